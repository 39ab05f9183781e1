package localsite

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

//go:embed cfworker.js
var workerJS string

// nodeRunner runs CloudFront Functions in one long-lived node process
// (cfworker.js), which keeps the per-request cost to a line of JSON each way.
type nodeRunner struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	wmu   sync.Mutex

	mu      sync.Mutex
	pending map[int64]chan nodeReply
	next    atomic.Int64
	done    chan struct{} // closed when the process's output ends
}

type nodeReply struct {
	ID     int64           `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// startNode starts the worker and loads the functions. Its stderr (the
// functions' console output) goes to log.
func startNode(functions map[string]*ViewerFunction, log io.Writer) (*nodeRunner, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("localsite: the distribution has CloudFront Functions, which run in node: install Node.js")
	}
	cmd := exec.Command(node, "-e", workerJS)
	cmd.Stderr = log
	cmd.SysProcAttr = sysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("localsite: start node: %w", err)
	}
	n := &nodeRunner{cmd: cmd, stdin: stdin, pending: map[int64]chan nodeReply{}, done: make(chan struct{})}
	go n.read(stdout)
	for _, f := range functions {
		if _, err := n.call(context.Background(), map[string]any{"op": "load", "name": f.Name, "code": f.Code}); err != nil {
			n.Close()
			return nil, fmt.Errorf("localsite: CloudFront Function %s: %w", f.LogicalID, err)
		}
	}
	return n, nil
}

func (n *nodeRunner) read(stdout io.Reader) {
	defer close(n.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r nodeReply
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		n.mu.Lock()
		c := n.pending[r.ID]
		delete(n.pending, r.ID)
		n.mu.Unlock()
		if c != nil {
			c <- r
		}
	}
}

func (n *nodeRunner) call(ctx context.Context, msg map[string]any) (json.RawMessage, error) {
	id := n.next.Add(1)
	msg["id"] = id
	line, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	c := make(chan nodeReply, 1)
	n.mu.Lock()
	n.pending[id] = c
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.pending, id)
		n.mu.Unlock()
	}()
	n.wmu.Lock()
	_, err = n.stdin.Write(append(line, '\n'))
	n.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	select {
	case r := <-c:
		if !r.OK {
			return nil, errors.New(r.Error)
		}
		return r.Result, nil
	case <-n.done:
		return nil, errors.New("node exited")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Run runs the function with the event and returns what it returned.
func (n *nodeRunner) Run(ctx context.Context, f *ViewerFunction, event any) (map[string]any, error) {
	raw, err := n.call(ctx, map[string]any{"op": "run", "name": f.Name, "event": event})
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		return nil, fmt.Errorf("the function returned %s, not a request or response object", raw)
	}
	return out, nil
}

// Close ends the process.
func (n *nodeRunner) Close() error {
	n.stdin.Close()
	n.cmd.Process.Kill()
	return n.cmd.Wait()
}

// field is a header, query string or cookie value in a CloudFront
// Functions event: value, and multiValue when there are several.
type field struct {
	Value      string  `json:"value"`
	MultiValue []field `json:"multiValue,omitempty"`
	Attributes string  `json:"attributes,omitempty"`
}

func fieldOf(values []string) field {
	f := field{Value: values[0]}
	if len(values) > 1 {
		for _, v := range values {
			f.MultiValue = append(f.MultiValue, field{Value: v})
		}
	}
	return f
}

func (f field) values() []string {
	if len(f.MultiValue) == 0 {
		return []string{f.Value}
	}
	out := make([]string, len(f.MultiValue))
	for i, m := range f.MultiValue {
		out[i] = m.Value
	}
	return out
}

// functionRequest is the request object of the event.
func functionRequest(req *viewerRequest) map[string]any {
	headers := map[string]field{}
	for k, vs := range req.header {
		if lk := strings.ToLower(k); lk != "cookie" && len(vs) > 0 {
			headers[lk] = fieldOf(vs)
		}
	}
	order := map[string][]string{}
	var names []string
	if req.rawQuery != "" {
		for _, part := range strings.Split(req.rawQuery, "&") {
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			if _, ok := order[k]; !ok {
				names = append(names, k)
			}
			order[k] = append(order[k], v)
		}
	}
	query := orderedFields{names: names, fields: map[string]field{}}
	for _, k := range names {
		query.fields[k] = fieldOf(order[k])
	}
	cookies := map[string]field{}
	byName := map[string][]string{}
	for _, c := range (&http.Request{Header: http.Header{"Cookie": req.header.Values("Cookie")}}).Cookies() {
		byName[c.Name] = append(byName[c.Name], c.Value)
	}
	for k, vs := range byName {
		cookies[k] = fieldOf(vs)
	}
	return map[string]any{"method": req.method, "uri": req.uri, "querystring": query, "headers": headers, "cookies": cookies}
}

// orderedFields is a query string object whose names keep the viewer's
// order, as in CloudFront's event: a function that writes the query back
// (a redirect) sees it as sent, where a Go map would sort it.
type orderedFields struct {
	names  []string
	fields map[string]field
}

func (o orderedFields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range o.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(o.fields[name])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (e *edge) functionEvent(eventType string, req *viewerRequest, requestID string) map[string]any {
	ip, _, err := net.SplitHostPort(req.remote)
	if err != nil {
		ip = req.remote
	}
	return map[string]any{
		"version": "1.0",
		"context": map[string]any{
			"distributionDomainName": e.site.DomainName,
			"distributionId":         e.distributionID(),
			"eventType":              eventType,
			"requestId":              requestID,
		},
		"viewer":  map[string]any{"ip": ip},
		"request": functionRequest(req),
	}
}

func (e *edge) distributionID() string {
	id, _ := e.site.Stack.String(map[string]any{"Ref": e.site.DistributionID})
	return id
}

// viewerRequestFunction runs a viewer-request function on req. It changes
// req as the function changed the request object, or returns the response
// the function generated instead.
func (e *edge) viewerRequestFunction(ctx context.Context, f *ViewerFunction, req *viewerRequest, requestID string) (*response, error) {
	event := e.functionEvent("viewer-request", req, requestID)
	in := event["request"].(map[string]any)
	out, err := e.functions.Run(ctx, f, event)
	if err != nil {
		return nil, err
	}
	if _, ok := out["statusCode"]; ok {
		return functionResponse(out)
	}
	var got struct {
		URI         string           `json:"uri"`
		Querystring map[string]field `json:"querystring"`
		Headers     map[string]field `json:"headers"`
		Cookies     map[string]field `json:"cookies"`
	}
	if err := remarshal(out, &got); err != nil {
		return nil, fmt.Errorf("the function returned a malformed request: %w", err)
	}
	if got.URI != "" {
		if !strings.HasPrefix(got.URI, "/") {
			return nil, fmt.Errorf("the function returned uri %q, which does not start with /", got.URI)
		}
		req.uri = got.URI
	}
	var inQuery map[string]field
	remarshal(in["querystring"], &inQuery)
	if !reflect.DeepEqual(normalize(inQuery), normalize(got.Querystring)) {
		req.rawQuery = encodeFields(got.Querystring)
	}
	h := http.Header{}
	for k, f := range got.Headers {
		h[http.CanonicalHeaderKey(k)] = f.values()
	}
	var cookies []string
	for _, k := range slices.Sorted(maps.Keys(got.Cookies)) {
		for _, v := range got.Cookies[k].values() {
			cookies = append(cookies, k+"="+v)
		}
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	req.header = h
	if host := h.Get("Host"); host != "" {
		req.host = host
	}
	return nil, nil
}

// viewerResponseFunction runs a viewer-response function on resp and
// applies the status, headers and cookies it returns (it cannot change the
// body).
func (e *edge) viewerResponseFunction(ctx context.Context, f *ViewerFunction, req *viewerRequest, resp *response, requestID string) error {
	event := e.functionEvent("viewer-response", req, requestID)
	headers := map[string]field{}
	for k, vs := range resp.header {
		if lk := strings.ToLower(k); lk != "set-cookie" {
			headers[lk] = fieldOf(vs)
		}
	}
	cookies := map[string]field{}
	for _, c := range (&http.Response{Header: http.Header{"Set-Cookie": resp.header.Values("Set-Cookie")}}).Cookies() {
		_, attrs, _ := strings.Cut(c.String(), ";")
		cookies[c.Name] = field{Value: c.Value, Attributes: strings.TrimSpace(attrs)}
	}
	event["response"] = map[string]any{"statusCode": resp.status, "statusDescription": http.StatusText(resp.status), "headers": headers, "cookies": cookies}
	out, err := e.functions.Run(ctx, f, event)
	if err != nil {
		return err
	}
	got, err := functionResponse(out)
	if err != nil {
		return err
	}
	resp.status, resp.header = got.status, got.header
	return nil
}

// functionResponse reads a response object a function returned.
func functionResponse(out map[string]any) (*response, error) {
	var got struct {
		StatusCode int              `json:"statusCode"`
		Headers    map[string]field `json:"headers"`
		Cookies    map[string]field `json:"cookies"`
		Body       json.RawMessage  `json:"body"`
	}
	if err := remarshal(out, &got); err != nil || got.StatusCode < 100 || got.StatusCode > 599 {
		return nil, fmt.Errorf("the function returned a malformed response: %v", out)
	}
	resp := &response{status: got.StatusCode, header: http.Header{}}
	for k, f := range got.Headers {
		resp.header[http.CanonicalHeaderKey(k)] = f.values()
	}
	for _, k := range slices.Sorted(maps.Keys(got.Cookies)) {
		c := got.Cookies[k]
		for _, v := range c.values() {
			sc := k + "=" + v
			if c.Attributes != "" {
				sc += "; " + c.Attributes
			}
			resp.header.Add("Set-Cookie", sc)
		}
	}
	if len(got.Body) > 0 && string(got.Body) != "null" {
		var text string
		var obj struct{ Data, Encoding string }
		switch {
		case json.Unmarshal(got.Body, &text) == nil:
			resp.body = []byte(text)
		case json.Unmarshal(got.Body, &obj) == nil && obj.Encoding == "base64":
			b, err := base64.StdEncoding.DecodeString(obj.Data)
			if err != nil {
				return nil, fmt.Errorf("the function's response body is not valid base64")
			}
			resp.body = b
		default:
			resp.body = []byte(obj.Data)
		}
	}
	return resp, nil
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func normalize(m map[string]field) map[string][]string {
	out := map[string][]string{}
	for k, f := range m {
		out[k] = f.values()
	}
	return out
}

// encodeFields writes a query string object back as a query string, names
// in order; values are written as the function left them.
func encodeFields(m map[string]field) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[k].values() {
			if v == "" {
				parts = append(parts, k)
			} else {
				parts = append(parts, k+"="+v)
			}
		}
	}
	return strings.Join(parts, "&")
}
