package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
)

// Fetched is one response of a page visit, as it crossed the wire.
type Fetched struct {
	Path     string
	Status   int
	Encoding string // Content-Encoding, "" for none
	Bytes    int    // body bytes as sent, compressed or not
	XCache   string // CloudFront's X-Cache
	// ETag and LastModified are what a browser keeps to revalidate.
	ETag, LastModified string
}

// Visit is a page and the files it loads.
type Visit struct {
	Fetched []Fetched
}

// Bytes is the body bytes of every response of the visit.
func (v Visit) Bytes() int {
	n := 0
	for _, f := range v.Fetched {
		n += f.Bytes
	}
	return n
}

// subresource matches the same-site files a page loads: stylesheets,
// scripts, images and icons, by a root-relative href or src.
var subresource = regexp.MustCompile(`<(?:link|script|img)\b[^>]*?\s(?:href|src)="(/[^"/][^"]*|/)"`)

// VisitPage loads the page at base+path as a browser would, with
// acceptEncoding as its Accept-Encoding, then every same-site stylesheet,
// script, image and icon it names. With prior, the visit is a repeat one:
// each response prior got with an ETag or Last-Modified is asked for again
// conditionally (If-None-Match, If-Modified-Since), as a browser revalidates
// what it cached. Nothing is decompressed: Bytes are what was sent.
func VisitPage(client *http.Client, base, path, acceptEncoding string, prior *Visit) (Visit, error) {
	if t, ok := client.Transport.(*http.Transport); !ok || !t.DisableCompression {
		return Visit{}, fmt.Errorf("VisitPage needs a client whose transport has DisableCompression, so it sees the bytes sent")
	}
	validators := map[string]Fetched{}
	if prior != nil {
		for _, f := range prior.Fetched {
			validators[f.Path] = f
		}
	}
	var v Visit
	page, body, err := fetch(client, base, path, acceptEncoding, validators[path])
	if err != nil {
		return Visit{}, err
	}
	v.Fetched = append(v.Fetched, page)
	if page.Encoding != "" {
		// The page is parsed from a plain request: the links are the same.
		if _, body, err = fetch(client, base, path, "", Fetched{}); err != nil {
			return Visit{}, err
		}
	}
	var paths []string
	for _, m := range subresource.FindAllStringSubmatch(string(body), -1) {
		if p := m[1]; p != path && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		f, _, err := fetch(client, base, p, acceptEncoding, validators[p])
		if err != nil {
			return Visit{}, err
		}
		v.Fetched = append(v.Fetched, f)
	}
	return v, nil
}

func fetch(client *http.Client, base, path, acceptEncoding string, prior Fetched) (Fetched, []byte, error) {
	u, err := url.JoinPath(base, path)
	if err != nil {
		return Fetched{}, nil, err
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return Fetched{}, nil, err
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	if prior.ETag != "" {
		req.Header.Set("If-None-Match", prior.ETag)
	}
	if prior.LastModified != "" {
		req.Header.Set("If-Modified-Since", prior.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Fetched{}, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Fetched{}, nil, err
	}
	if resp.StatusCode >= 400 {
		return Fetched{}, nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return Fetched{
		Path: path, Status: resp.StatusCode, Encoding: resp.Header.Get("Content-Encoding"), Bytes: len(body),
		XCache: resp.Header.Get("X-Cache"), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
	}, body, nil
}
