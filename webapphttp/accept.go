package webapphttp

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// PrefersHTML reports whether r's Accept header prefers text/html to
// application/json, as a browser's does for a page or a form post; curl's
// */*, fetch's default and an absent header do not. It is the rule by which
// an answer that may go to a person or to a program, such as an error, is a
// page or JSON.
func PrefersHTML(r *http.Request) bool {
	html, json := 0.0, 0.0
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mediaType, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mediaType {
		case "text/html":
			html = max(html, q)
		case "application/json":
			json = max(json, q)
		}
	}
	return html > json
}
