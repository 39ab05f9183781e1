package localsite

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// gatewayFailure is an error API Gateway answers itself: its gateway
// response type, and what it answers when the API does not customize it.
type gatewayFailure struct {
	responseType string
	status       int
	errorType    string // X-Amzn-ErrorType
	message      string
}

// integrationFailure is a function that crashed or answered no proxy
// response.
var integrationFailure = gatewayFailure{"INTEGRATION_FAILURE", http.StatusBadGateway, "InternalServerErrorException", "Internal server error"}

// fail answers f as API Gateway does: with the API's gateway response for
// f's type or, failing that, for DEFAULT_4XX or DEFAULT_5XX, and with API
// Gateway's own {"message": …} when neither is customized.
func (g *apiGateway) fail(w http.ResponseWriter, r *http.Request, f gatewayFailure, requestID string) {
	gr := g.api.GatewayResponses[f.responseType]
	if gr == nil {
		gr = g.api.GatewayResponses["DEFAULT_"+strconv.Itoa(f.status/100)+"XX"]
	}
	if gr == nil {
		apiError(w, f.status, f.errorType, f.message)
		return
	}
	status := f.status
	if gr.StatusCode != 0 {
		status = gr.StatusCode
	}
	h := w.Header()
	for name, value := range gr.Headers {
		if v := gatewayHeaderValue(r, value); v != "" {
			h.Set(name, v)
		}
	}
	h.Set("X-Amzn-ErrorType", f.errorType)
	mediaType, tmpl := selectTemplate(gr.Templates, r.Header.Get("Accept"))
	body := substituteContext(tmpl, map[string]string{
		"$context.requestId":           requestID,
		"$context.error.responseType":  f.responseType,
		"$context.error.messageString": jsonString(f.message),
		"$context.error.message":       f.message,
	})
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}

// gatewayHeaderValue is a response parameter's value for r: a quoted
// static value, or a request header; "" leaves the header out.
func gatewayHeaderValue(r *http.Request, value string) string {
	if name, ok := strings.CutPrefix(value, "method.request.header."); ok {
		return r.Header.Get(name)
	}
	if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
		return value[1 : len(value)-1]
	}
	return ""
}

// selectTemplate picks the template as API Gateway picks a mapping
// template: by the media type the request's Accept header names first,
// else application/json. It does not weigh q values, as API Gateway does
// not. Without templates the body is empty, as API Gateway's is.
func selectTemplate(templates map[string]string, accept string) (mediaType, tmpl string) {
	first, _, _ := strings.Cut(accept, ",")
	if t, _, err := mime.ParseMediaType(first); err == nil {
		if tmpl, ok := templates[t]; ok {
			return t, tmpl
		}
	}
	return "application/json", templates["application/json"]
}

// substituteContext replaces the variables of a gateway response template,
// which API Gateway substitutes without running VTL. Longer names first,
// so that $context.error.messageString is not read as
// $context.error.message followed by "String".
func substituteContext(tmpl string, vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	// strings.Replacer tries its pairs in order at each position.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	pairs := make([]string, 0, 2*len(names))
	for _, name := range names {
		pairs = append(pairs, name, vars[name])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// jsonString is s as a JSON string, quotes included, as API Gateway's
// $context.error.messageString is.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string: it cannot fail
	return string(b)
}
