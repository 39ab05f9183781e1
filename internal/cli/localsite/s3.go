package localsite

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// multipartChunk is the part size of `aws s3 sync`'s multipart uploads,
// which it uses for files of this size or more; their ETag is the MD5 of
// the parts' MD5s, dash, the number of parts.
const multipartChunk = 8 << 20

// deployments fills the bucket with what its bucket deployments
// (Custom::CDKBucketDeployment) would upload: each source asset unzipped
// under the destination prefix, sources in order, later files winning —
// what the deployment's handler does with `aws s3 sync`.
func (d *deriver) deployments(b *Bucket) error {
	deployed := time.Now().UTC().Truncate(time.Second)
	for _, id := range d.stack.Resources("Custom::CDKBucketDeployment") {
		r, _ := d.stack.Resource(id)
		var p struct {
			DestinationBucketName      string
			DestinationBucketKeyPrefix string
			SourceObjectKeys           []string
			SourceMarkers              []map[string]string
			Extract                    *flexBool
			Prune                      *flexBool
			Exclude, Include           []string
			SystemMetadata             map[string]string
			UserMetadata               map[string]string
		}
		if err := d.stack.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("bucket deployment %s: %w", id, err)
		}
		if p.DestinationBucketName != b.Name {
			continue
		}
		prefix := strings.TrimPrefix(p.DestinationBucketKeyPrefix, "/")
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		extract := p.Extract == nil || bool(*p.Extract)
		if p.Prune == nil || bool(*p.Prune) { // CDK's default, as the handler's
			b.prunes = append(b.prunes, pruneRule{prefix: prefix, exclude: p.Exclude, include: p.Include})
		}
		for i, key := range p.SourceObjectKeys {
			asset, ok := d.stack.Assembly().Asset(key)
			if !ok {
				return fmt.Errorf("bucket deployment %s: source %s is not an asset of the assembly", id, key)
			}
			var markers map[string]string
			if i < len(p.SourceMarkers) {
				markers = p.SourceMarkers[i]
			}
			files, err := readAsset(asset.Path, extract, key)
			if err != nil {
				return fmt.Errorf("bucket deployment %s: %w", id, err)
			}
			for name, body := range files {
				if excluded(name, p.Exclude, p.Include) {
					continue
				}
				for marker, value := range markers {
					body = bytes.ReplaceAll(body, []byte(marker), []byte(value))
				}
				b.Objects[prefix+name] = newObject(name, body, deployed, p.SystemMetadata, p.UserMetadata)
			}
		}
	}
	if len(b.Objects) == 0 {
		d.warn("bucket %s gets no files from a bucket deployment: every request for it is a %s", b.LogicalID, map[bool]string{true: "404", false: "403"}[b.ListAllowed])
	}
	return nil
}

// pruneRule is what a deployment with Prune deletes when it runs: every
// key under its prefix that its sources lack, except those its filters
// exclude (`aws s3 sync --delete` leaves excluded keys alone).
type pruneRule struct {
	prefix           string
	exclude, include []string
}

func (r pruneRule) deletes(key string) bool {
	rest, ok := strings.CutPrefix(key, r.prefix)
	return ok && !excluded(rest, r.exclude, r.include)
}

// DeployOver makes the site's buckets what a deploy of its assembly leaves
// in buckets that held prev's objects: S3 keeps what earlier deploys
// uploaded unless a deployment prunes it, so a page of the previous
// version can still load the files it links. A bucket is the same when
// its logical id is. It returns how many objects were kept.
func (s *Site) DeployOver(prev *Site) int {
	kept := 0
	old := prev.buckets()
	for id, b := range s.buckets() {
		p, ok := old[id]
		if !ok {
			continue
		}
	objects:
		for key, o := range p.Objects {
			if _, ok := b.Objects[key]; ok {
				continue // uploaded again
			}
			for _, r := range b.prunes {
				if r.deletes(key) {
					continue objects
				}
			}
			b.Objects[key] = o
			kept++
		}
	}
	return kept
}

// buckets are the site's S3 buckets by logical id.
func (s *Site) buckets() map[string]*Bucket {
	buckets := map[string]*Bucket{}
	for _, b := range s.Behaviors {
		if b.Origin != nil && b.Origin.Bucket != nil {
			buckets[b.Origin.Bucket.LogicalID] = b.Origin.Bucket
		}
	}
	return buckets
}

// readAsset returns the files of a source: a directory (an asset the
// deploy zips) or a zip file, unpacked; with extract false, the file itself
// under its object key's base name.
func readAsset(src string, extract bool, objectKey string) (map[string][]byte, error) {
	files := map[string][]byte{}
	st, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if !extract {
		if st.IsDir() {
			return nil, fmt.Errorf("%s: Extract false needs a file asset", src)
		}
		body, err := os.ReadFile(src)
		files[path.Base(objectKey)] = body
		return files, err
	}
	var fsys fs.FS
	if st.IsDir() {
		fsys = os.DirFS(src)
	} else {
		zr, err := zip.OpenReader(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		defer zr.Close()
		fsys = zr
	}
	err = fs.WalkDir(fsys, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		files[filepath.ToSlash(name)] = body
		return err
	})
	return files, err
}

// excluded applies the deployment's --exclude and --include filters as
// aws s3 sync does: the last filter that matches decides.
func excluded(name string, exclude, include []string) bool {
	out := false
	for _, p := range exclude {
		if staticpaths.Match(p, "/"+name) {
			out = true
		}
	}
	for _, p := range include {
		if staticpaths.Match(p, "/"+name) {
			out = false
		}
	}
	return out
}

func newObject(name string, body []byte, modified time.Time, system, user map[string]string) *Object {
	o := &Object{Body: body, LastModified: modified, Header: http.Header{}, ContentType: guessContentType(name)}
	if o.ContentType == "" {
		o.ContentType = "binary/octet-stream" // S3's own default
	}
	for k, v := range system {
		switch strings.ToLower(k) {
		case "content-type":
			o.ContentType = v
		case "cache-control", "content-disposition", "content-encoding", "content-language", "expires":
			o.Header.Set(k, v)
		}
	}
	for k, v := range user {
		o.Header.Set("X-Amz-Meta-"+k, v)
	}
	if len(body) < multipartChunk {
		sum := md5.Sum(body)
		o.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
		return o
	}
	var sums []byte
	parts := 0
	for rest := body; len(rest) > 0; parts++ {
		n := min(len(rest), multipartChunk)
		sum := md5.Sum(rest[:n])
		sums = append(sums, sum[:]...)
		rest = rest[n:]
	}
	sum := md5.Sum(sums)
	o.ETag = fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), parts)
	return o
}

// serveS3 answers an origin request as S3 answers CloudFront: GET and HEAD
// of an object (with ranges and conditional requests), 403 AccessDenied for
// a missing key unless the bucket may be listed (then 404 NoSuchKey), and
// 405 for other methods.
func serveS3(b *Bucket, w http.ResponseWriter, r *http.Request, requestID string) {
	h := w.Header()
	h.Set("Server", "AmazonS3")
	h.Set("X-Amz-Request-Id", strings.ToUpper(requestID[:16]))
	h.Set("X-Amz-Id-2", requestID)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s3Error(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", requestID)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	o, ok := b.Objects[key]
	if !ok {
		if b.ListAllowed {
			s3Error(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", requestID)
		} else {
			s3Error(w, r, http.StatusForbidden, "AccessDenied", "Access Denied", requestID)
		}
		return
	}
	for k, v := range o.Header {
		h[k] = v
	}
	h.Set("Content-Type", o.ContentType)
	h.Set("ETag", o.ETag)
	h.Set("Accept-Ranges", "bytes")
	if b.Encryption != "" {
		h.Set("X-Amz-Server-Side-Encryption", b.Encryption)
	}
	http.ServeContent(w, r, "", o.LastModified, bytes.NewReader(o.Body))
}

func s3Error(w http.ResponseWriter, r *http.Request, status int, code, message, requestID string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId><HostId>%s</HostId></Error>",
		code, message, strings.ToUpper(requestID[:16]), requestID)
}

// guessContentType is the type `aws s3 sync` sets for a file name: Python
// 3.13's mimetypes.guess_type on the Lambda runtime of the deployment's
// handler (no /etc/mime.types there), or "" when it has none — then S3
// serves binary/octet-stream. A compression suffix (.gz, .br, …) is looked
// through, as guess_type does, and sets no Content-Encoding.
func guessContentType(name string) string {
	base := path.Base(name)
	ext := strings.ToLower(path.Ext(base))
	if _, ok := compressionSuffixes[ext]; ok {
		base = strings.TrimSuffix(base, path.Ext(base))
		ext = strings.ToLower(path.Ext(base))
	}
	if ext == ".tgz" {
		return "application/x-tar"
	}
	return pythonTypes[ext]
}

var compressionSuffixes = map[string]bool{".gz": true, ".z": true, ".bz2": true, ".xz": true, ".br": true}

// pythonTypes is the part of Python 3.13's default types map a web site
// uses (mimetypes._types_map_default, strict).
var pythonTypes = map[string]string{
	".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
	".webmanifest": "application/manifest+json", ".pdf": "application/pdf", ".wasm": "application/wasm",
	".xml": "text/xml", ".xsl": "application/xml", ".rdf": "application/xml", ".zip": "application/zip",
	".tar": "application/x-tar", ".gz": "application/gzip", ".bin": "application/octet-stream",
	".exe": "application/octet-stream", ".so": "application/octet-stream", ".sh": "application/x-sh",
	".swf": "application/x-shockwave-flash", ".ps": "application/postscript", ".doc": "application/msword",
	".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
	".css": "text/css", ".csv": "text/csv", ".html": "text/html", ".htm": "text/html",
	".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain", ".text": "text/plain",
	".c": "text/plain", ".h": "text/plain", ".py": "text/x-python", ".rtf": "application/rtf",
	".vtt": "text/vtt", ".tsv": "text/tab-separated-values",
	".avif": "image/avif", ".bmp": "image/bmp", ".gif": "image/gif", ".heic": "image/heic", ".heif": "image/heif",
	".ico": "image/vnd.microsoft.icon", ".jpg": "image/jpeg", ".jpe": "image/jpeg", ".jpeg": "image/jpeg",
	".png": "image/png", ".svg": "image/svg+xml", ".tif": "image/tiff", ".tiff": "image/tiff", ".webp": "image/webp",
	".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2",
	".aac": "audio/aac", ".mp3": "audio/mpeg", ".opus": "audio/opus", ".wav": "audio/vnd.wave", ".weba": "audio/webm",
	".mp4": "video/mp4", ".mpeg": "video/mpeg", ".mpg": "video/mpeg", ".mov": "video/quicktime",
	".webm": "video/webm", ".avi": "video/x-msvideo",
	".eml": "message/rfc822",
}
