package localsite

import (
	"net/http"
	"time"
)

// How long the site waits for a viewer. CloudFront documents the limits of
// its origin side, not of its viewer side; these bound what a viewer can
// hold the way a strict front end does, each as the deployed site would
// end it.
const (
	// viewerHeaderTimeout bounds the wait for a request's line and headers,
	// from the first byte of the request: a viewer that stalls before its
	// headers end is cut off without an answer.
	viewerHeaderTimeout = 10 * time.Second
	// viewerBodyTimeout bounds the wait for a request's body once its
	// headers are in. CloudFront forwards the request to API Gateway, which
	// cannot answer before the body is complete, and CloudFront gives up on
	// a DELETE, OPTIONS, PATCH, POST or PUT whose origin has not answered
	// within 30 seconds, with a 504 (its origin response timeout,
	// RequestAndResponseBehaviorCustomOrigin in its developer guide).
	viewerBodyTimeout = 30 * time.Second
	// viewerIdleTimeout bounds how long a kept-alive connection may wait
	// for its next request.
	viewerIdleTimeout = 60 * time.Second
)

// newViewerServer returns the server that the site's address answers with:
// handler behind the viewer-side limits above. Go's own answer to `OPTIONS *`
// (an empty 200) is off: the request reaches the edge, which answers as
// CloudFront does.
func newViewerServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:                      handler,
		ReadHeaderTimeout:            viewerHeaderTimeout,
		IdleTimeout:                  viewerIdleTimeout,
		DisableGeneralOptionsHandler: true,
	}
}

// readViewerBody reads r's body, at most maxAPIPayload bytes
// (errBodyTooLarge beyond), within timeout of the call: a body that has not
// arrived by then fails with the connection's timeout error. Once the whole
// body is read, net/http lifts the deadline itself (it then watches the
// connection without one), so the response may take as long as the origin
// does; after a failure the deadline stays, so the server gives up on the
// rest of the body at once and closes the connection.
func readViewerBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) ([]byte, error) {
	// A ResponseWriter without a connection (httptest's) cannot take a
	// deadline; its body is in memory anyway.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	return readAll(r.Body, maxAPIPayload)
}
