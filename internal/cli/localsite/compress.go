package localsite

import (
	"bytes"
	"compress/gzip"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/andybalholm/brotli"
)

// compressible are the content types CloudFront compresses.
var compressible = []string{
	"application/dash+xml", "application/eot", "application/font", "application/font-sfnt", "application/javascript",
	"application/json", "application/opentype", "application/otf", "application/pdf", "application/pkcs7-mime",
	"application/protobuf", "application/rss+xml", "application/truetype", "application/ttf",
	"application/vnd.apple.mpegurl", "application/vnd.mapbox-vector-tile", "application/vnd.ms-fontobject",
	"application/wasm", "application/xhtml+xml", "application/xml", "application/x-font-opentype",
	"application/x-font-truetype", "application/x-font-ttf", "application/x-httpd-cgi", "application/x-javascript",
	"application/x-mpegurl", "application/x-opentype", "application/x-otf", "application/x-perl",
	"application/x-ttf", "font/eot", "font/opentype", "font/otf", "font/ttf", "image/svg+xml", "text/css",
	"text/csv", "text/html", "text/javascript", "text/js", "text/plain", "text/richtext",
	"text/tab-separated-values", "text/xml", "text/x-script", "text/x-component", "text/x-java-source",
}

// compressedStatuses are the statuses whose responses CloudFront compresses.
var compressedStatuses = []int{http.StatusOK, http.StatusForbidden, http.StatusNotFound}

// compress encodes a response with encoding ("br" or "gzip", as
// cacheRule.encoding chose from the viewer's Accept-Encoding; "" for none)
// as CloudFront does: compressible types, 1,000 to 10,000,000 bytes, status
// 200, 403 or 404, not already encoded by the origin. A strong ETag becomes
// weak, since the bytes changed.
func compress(resp *response, encoding string) {
	if encoding == "" || resp.header.Get("Content-Encoding") != "" ||
		len(resp.body) < 1000 || len(resp.body) > 10_000_000 || !slices.Contains(compressedStatuses, resp.status) {
		return
	}
	mt, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type"))
	if !slices.Contains(compressible, mt) {
		return
	}
	var buf bytes.Buffer
	switch encoding {
	case "br":
		bw := brotli.NewWriterLevel(&buf, brotli.DefaultCompression)
		bw.Write(resp.body)
		bw.Close()
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(resp.body)
		zw.Close()
	default:
		return
	}
	resp.body = buf.Bytes()
	resp.header.Set("Content-Encoding", encoding)
	resp.header.Add("Vary", "Accept-Encoding")
	if etag := resp.header.Get("ETag"); strings.HasPrefix(etag, `"`) {
		resp.header.Set("ETag", "W/"+etag)
	}
}
