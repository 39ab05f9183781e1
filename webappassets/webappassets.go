// Package webappassets gives a WebApp function the fingerprinted URLs of its
// static files, so that every page links the exact bytes it was built with.
//
// At synth the WebApp construct (github.com/gowebapp/webapp/constructs/webapp)
// publishes every file of its StaticDir twice: under its own name, with a
// short Cache-Control ([RevalidatedCacheControl]), and under a name that
// carries a prefix of the SHA-256 of its content ([HashedPath]:
// /css/site.css is also /css/site.3f9a1c2b7d.css), cached for a year
// ([ImmutableCacheControl]) — unless no StaticPaths pattern would serve the
// hashed name (/favicon.ico under the exact pattern /favicon.ico): such a
// file keeps its own name only. Neither deployment deletes what an earlier
// one published, so the pages of the previous function version (a canary's
// other half, a rollback, a page open in a browser) keep their files. It
// writes the [Manifest] of those names into the function's bundle, beside
// bootstrap ([FileName]), so each function version carries the names of its
// own files.
//
// A function loads it once with [Load] and gives its templates [Manifest.FuncMap]:
//
//	<link rel="stylesheet" href="{{asset "/css/site.css"}}">
//
// (with webapphttp.URL around it where the site may be reached under the
// stage's base path: {{.URL (asset "/css/site.css")}} in the sample app).
//
// A reference to a file that does not exist is an error: when the page
// renders, and before that in the app's tests, where [Check] finds every
// asset "..." call in a template set and looks each one up. The package
// links no CDK code.
package webappassets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// FileName is the manifest's name in the function's bundle, beside bootstrap.
const FileName = "webapp-assets.json"

// StaticDirEnv names the environment variable that makes [Load] read the
// static files themselves instead of a manifest: `webapp dev` sets it to the
// project's static directory, so that an edited file gets its new name on the
// next page without a rebuild, and StaticPathsEnv to the static path
// patterns, comma-separated (CloudFront's patterns have no commas).
const (
	StaticDirEnv   = "WEBAPP_STATIC_DIR"
	StaticPathsEnv = "WEBAPP_STATIC_PATHS"
)

// The Cache-Control of the two copies of each static file. A hashed name
// never changes content, so browsers and CloudFront may keep it for a year
// without asking again; a plain name (/favicon.ico, /robots.txt, and every
// file for a page that does not use the manifest) may change on the next
// deploy, so it is kept five minutes. The deploy invalidates the plain names
// in CloudFront, so its edge caches change at once.
const (
	ImmutableCacheControl   = "public, max-age=31536000, immutable"
	RevalidatedCacheControl = "public, max-age=300"
)

// hashLen is how many hex digits of the SHA-256 a hashed name carries: 40
// bits, enough that two versions of one file never share a name.
const hashLen = 10

// HashedPath returns the path a file with this content is published under:
// the hash goes before the last extension, so the name keeps its type and
// stays in its directory (and under its StaticPaths pattern):
// /css/site.css becomes /css/site.3f9a1c2b7d.css, /LICENSE /LICENSE.3f9a1c2b7d.
func HashedPath(p string, content []byte) string {
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])[:hashLen]
	dir, base := path.Split(p)
	if ext := path.Ext(base); ext != "" && ext != base {
		return dir + strings.TrimSuffix(base, ext) + "." + hash + ext
	}
	return dir + base + "." + hash
}

// SourcePath undoes HashedPath's renaming: the path the hashed name p was
// made from, and the hash it carries; ok is false when p has no hash where
// HashedPath puts one. It does not say that the content has that hash.
func SourcePath(p string) (source, hash string, ok bool) {
	dir, base := path.Split(p)
	if ext := path.Ext(base); isHash(strings.TrimPrefix(ext, ".")) && ext != base {
		return dir + strings.TrimSuffix(base, ext), ext[1:], true // /LICENSE.3f9a1c2b7d
	}
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if h := path.Ext(stem); ext != "" && isHash(strings.TrimPrefix(h, ".")) && h != stem {
		return dir + strings.TrimSuffix(stem, h) + ext, h[1:], true // /css/site.3f9a1c2b7d.css
	}
	return "", "", false
}

func isHash(s string) bool {
	if len(s) != hashLen {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Manifest maps each static file's path ("/css/site.css") to the path it is
// published under. Its zero value and nil know no file.
type Manifest struct {
	paths map[string]string
	// static, when set, is the static directory itself: paths are hashed
	// when asked for, so they follow edits (StaticDirEnv), as patterns serve
	// them.
	static   fs.FS
	patterns []string
	// passThrough answers every path with itself: a function built without
	// a manifest links the plain names, which are deployed too.
	passThrough bool
}

// Build hashes every file of a static directory, as the construct does at
// synth: the manifest of what the deploy publishes. staticPaths are the
// construct's StaticPaths (nil: their default): a file whose hashed name
// none of them serves — /favicon.ico under the exact pattern /favicon.ico —
// keeps its own name.
func Build(static fs.FS, staticPaths []string) (*Manifest, error) {
	m := &Manifest{paths: map[string]string{}}
	patterns := patternsOrDefault(staticPaths)
	err := fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		p := "/" + name
		m.paths[p] = publishedPath(patterns, p, content)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webappassets: %w", err)
	}
	return m, nil
}

func patternsOrDefault(staticPaths []string) []string {
	if staticPaths == nil {
		return staticpaths.Default()
	}
	return staticPaths
}

// publishedPath is the hashed path of a file, or p itself when the static
// paths would send the hashed one to the function.
func publishedPath(patterns []string, p string, content []byte) string {
	if hashed := HashedPath(p, content); staticpaths.MatchAny(patterns, hashed) {
		return hashed
	}
	return p
}

// FromDir is a manifest that reads the static directory on every lookup, so
// that a file edited while the site runs is linked under its new name at
// once: for a development server, not for Lambda. staticPaths are as
// Build's.
func FromDir(static fs.FS, staticPaths []string) *Manifest {
	return &Manifest{static: static, patterns: patternsOrDefault(staticPaths)}
}

// Plain answers every path with itself, checking nothing: the manifest of a
// function whose bundle has none, and a default for tests that do not care.
func Plain() *Manifest { return &Manifest{passThrough: true} }

// Parse reads a manifest written by MarshalJSON.
func Parse(data []byte) (*Manifest, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("webappassets: manifest: %w", err)
	}
	for src, published := range f.Files {
		if !strings.HasPrefix(src, "/") || !strings.HasPrefix(published, "/") {
			return nil, fmt.Errorf("webappassets: manifest: %q → %q: paths start with /", src, published)
		}
	}
	if f.Files == nil {
		f.Files = map[string]string{}
	}
	return &Manifest{paths: f.Files}, nil
}

// file is the manifest's JSON: {"files": {"/css/site.css": "/css/site.3f9a1c2b7d.css"}}.
type file struct {
	Files map[string]string `json:"files"`
}

// MarshalJSON writes the manifest as the construct puts it in the bundle.
// encoding/json sorts the keys, so equal manifests give equal bytes, and an
// unchanged site an unchanged function asset.
func (m *Manifest) MarshalJSON() ([]byte, error) {
	if m == nil || m.static != nil || m.passThrough {
		return nil, errors.New("webappassets: only a built or parsed manifest can be written")
	}
	return json.Marshal(file{Files: m.paths})
}

// Load returns the manifest of the running function:
//   - the static directory named by StaticDirEnv, read on each lookup, with
//     StaticPathsEnv's patterns (`webapp dev`);
//   - else the FileName beside the function: in $LAMBDA_TASK_ROOT, where Lambda
//     (and `webapp local`) unpack the bundle, or else beside the executable;
//   - else, for a function whose bundle has none (a prebuilt Code), one that
//     answers every path with itself: the plain names are deployed as well.
//
// Only an unreadable or malformed manifest is an error: a function should
// refuse to start rather than link files that may not be there.
func Load() (*Manifest, error) {
	if dir := os.Getenv(StaticDirEnv); dir != "" {
		var patterns []string
		if v := os.Getenv(StaticPathsEnv); v != "" {
			patterns = strings.Split(v, ",")
		}
		return FromDir(os.DirFS(dir), patterns), nil
	}
	var dirs []string
	if root := os.Getenv("LAMBDA_TASK_ROOT"); root != "" {
		dirs = append(dirs, root)
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, FileName))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("webappassets: %w", err)
		}
		return Parse(data)
	}
	return Plain(), nil
}

// Path returns the path the static file p ("/css/site.css") is published
// under, or an error that names p when the static directory has no such
// file. Add the stage's base path for a link with webapphttp.URL.
func (m *Manifest) Path(p string) (string, error) {
	switch {
	case m == nil:
	case m.passThrough:
		return p, nil
	case m.static != nil:
		if name := strings.TrimPrefix(p, "/"); name != p && fs.ValidPath(name) {
			if content, err := fs.ReadFile(m.static, name); err == nil {
				return publishedPath(m.patterns, p, content), nil
			}
		}
	default:
		if published, ok := m.paths[p]; ok {
			return published, nil
		}
	}
	return "", fmt.Errorf("webappassets: no static file %q", p)
}

// Files lists the source paths the manifest knows, sorted; nil for one that
// reads a directory or passes paths through.
func (m *Manifest) Files() []string {
	if m == nil {
		return nil
	}
	files := make([]string, 0, len(m.paths))
	for p := range m.paths {
		files = append(files, p)
	}
	slices.Sort(files)
	return files
}

// FuncName is the name of the template function FuncMap provides.
const FuncName = "asset"

// FuncMap is {"asset": m.Path}, for html/template's Funcs: {{asset
// "/css/site.css"}} writes the published path, and a missing file stops
// the template with Path's error.
func (m *Manifest) FuncMap() template.FuncMap {
	return template.FuncMap{FuncName: m.Path}
}
