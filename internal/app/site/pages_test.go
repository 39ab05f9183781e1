package site

import (
	"cmp"
	"encoding/json"
	"html/template"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// urlAttr finds the URLs a page writes: links, sources, form actions and the
// API URLs the script uses.
var urlAttr = regexp.MustCompile(`\s(href|src|action|data-url)="([^"]*)"`)

func TestStageAwareURLs(t *testing.T) {
	for _, base := range []string{"", "/v1"} {
		t.Run("base path "+cmp.Or(base, "none"), func(t *testing.T) {
			store := newMemStore()
			store.add("Buy milk")
			for range homeLimit { // enough for a second page
				store.add("chore")
			}
			h, _ := newSite(t, store, false)

			pages := map[string]req{
				"home":       {method: "GET", target: "/"},
				"search":     {method: "POST", target: "/search", body: form("q", "milk"), contentType: formURLEncoded},
				"error page": {method: "GET", target: "/nope", accept: browserHTML},
			}
			for name, rq := range pages {
				rq.basePath = base
				w := serve(h, rq)
				found := map[string]bool{}
				for _, m := range urlAttr.FindAllStringSubmatch(w.Body.String(), -1) {
					u := m[2]
					found[u] = true
					if !strings.HasPrefix(u, base+"/") || strings.HasPrefix(u, "//") {
						t.Errorf("%s: %s=%q does not start with %q", name, m[1], u, base+"/")
					}
				}
				assets := staticAssets(t)
				for _, want := range []string{"/", "/css/site.css", "/js/app.js", "/images/logo.svg", "/favicon.ico", "/search", "/todos", "/hello", "/healthz"} {
					if published, err := assets.Path(want); err == nil {
						want = published // a static file, linked by its hashed name
					}
					if !found[base+want] {
						t.Errorf("%s: no URL %q among %v", name, base+want, slices.Sorted(maps.Keys(found)))
					}
				}
				if name == "home" && !found[base+"/todos"] {
					t.Errorf("home: the add form does not post to %s/todos", base)
				}
			}

			home := serve(h, req{method: "GET", target: "/", basePath: base}).Body.String()
			if !strings.Contains(home, `href="`+base+`/?next=`) {
				t.Errorf("home: no link to the next page under %q", base+"/?next=")
			}

			redirects := []struct {
				rq   req
				want string // Location
			}{
				{req{method: "POST", target: "/todos", body: form("title", "x"), contentType: formURLEncoded}, base + "/"},
				{req{method: "GET", target: "/todos/../healthz"}, base + "/healthz"},
				{req{method: "GET", target: "/search//x/..?q=a"}, base + "/search?q=a"},
				// The path keeps the client's escaping, once: not /%252f%252fevil.com.
				{req{method: "GET", target: "/%2f%2fevil.com/x/.."}, base + "/%2f%2fevil.com"},
				{req{method: "GET", target: "/a%20b/./c/../?q=%E7%89%9B"}, base + "/a%20b/?q=%E7%89%9B"},
			}
			for _, tt := range redirects {
				tt.rq.basePath = base
				w := serve(h, tt.rq)
				if loc := w.Header().Get("Location"); w.Code/100 != 3 || loc != tt.want {
					t.Errorf("%s %s: %d to %q, want a redirect to %q", tt.rq.method, tt.rq.target, w.Code, loc, tt.want)
				}
			}

			w := serve(h, req{method: "POST", target: "/todos", body: `{"title":"x"}`, contentType: jsonType, basePath: base})
			var created todo.Todo
			decodeJSONBody(t, w, &created)
			if loc := w.Header().Get("Location"); loc != base+"/todos/"+created.ID {
				t.Errorf("POST /todos: Location = %q, want %q", loc, base+"/todos/"+created.ID)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	multipartBody, multipartType := multipartForm(t, "q", "牛乳")
	multipartASCII, multipartASCIIType := multipartForm(t, "q", "  MILK ")
	tests := []struct {
		name      string
		rq        req
		want      []string // titles found
		wantQuery string   // the keyword shown back
	}{
		{"url-encoded Japanese", req{method: "POST", target: "/search", body: form("q", "牛乳"), contentType: formURLEncoded}, []string{"牛乳を買う"}, "牛乳"},
		{"url-encoded with charset", req{method: "POST", target: "/search", body: form("q", "牛乳"), contentType: formURLEncoded + "; charset=UTF-8"}, []string{"牛乳を買う"}, "牛乳"},
		{"multipart Japanese", req{method: "POST", target: "/search", body: multipartBody, contentType: multipartType}, []string{"牛乳を買う"}, "牛乳"},
		{"multipart, case ignored, trimmed", req{method: "POST", target: "/search", body: multipartASCII, contentType: multipartASCIIType}, []string{"Buy milk", "Oat MILK"}, "MILK"},
		{"GET", req{method: "GET", target: "/search?q=oat"}, []string{"Oat MILK"}, "oat"},
		{"in the memo", req{method: "GET", target: "/search?q=memo+of+buy"}, []string{"Buy milk"}, "memo of buy"},
		{"nothing found", req{method: "POST", target: "/search", body: form("q", "パン"), contentType: formURLEncoded}, nil, "パン"},
		{"the query string is not the form", req{method: "POST", target: "/search?q=milk", body: form("q", "パン"), contentType: formURLEncoded}, nil, "パン"},
		{"empty keyword", req{method: "POST", target: "/search", body: form("q", "  "), contentType: formURLEncoded}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			store.add("Buy milk", "Oat MILK", "牛乳を買う", "Walk the dog")
			h, _ := newSite(t, store, false)
			w := serve(h, tt.rq)
			if w.Code != 200 {
				t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
			}
			body := w.Body.String()
			var titles []string
			for _, m := range regexp.MustCompile(`<h3 class="todo-title">([^<]*)</h3>`).FindAllStringSubmatch(body, -1) {
				titles = append(titles, m[1])
			}
			if !slices.Equal(slices.Sorted(slices.Values(titles)), slices.Sorted(slices.Values(tt.want))) {
				t.Errorf("found %q, want %q", titles, tt.want)
			}
			if tt.wantQuery != "" && !strings.Contains(body, "Results for “"+tt.wantQuery+"”") {
				t.Errorf("the page does not show the keyword %q", tt.wantQuery)
			}
			if !strings.Contains(body, `value="`+tt.wantQuery+`"`) {
				t.Errorf("the search box does not hold %q", tt.wantQuery)
			}
		})
	}
}

func TestSearchEscapesTheKeyword(t *testing.T) {
	store := newMemStore()
	store.add(`<script>alert(1)</script> in a title`)
	h, _ := newSite(t, store, false)
	body, multipartType := multipartForm(t, "q", `<script>alert(1)</script>`)
	for name, rq := range map[string]req{
		"url-encoded": {method: "POST", target: "/search", body: form("q", `<script>alert(1)</script>`), contentType: formURLEncoded},
		"multipart":   {method: "POST", target: "/search", body: body, contentType: multipartType},
		"GET":         {method: "GET", target: "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"},
	} {
		w := serve(h, rq)
		page := w.Body.String()
		if strings.Contains(page, "<script>alert") {
			t.Errorf("%s: the page holds the keyword unescaped", name)
		}
		if !strings.Contains(page, "Results for “&lt;script&gt;alert(1)&lt;/script&gt;”") {
			t.Errorf("%s: the page does not show the escaped keyword", name)
		}
		if n := strings.Count(page, `class="todo-title"`); n != 1 {
			t.Errorf("%s: %d results, want the one todo", name, n)
		}
	}
}

func TestPagesAreSafeUnderAStrictCSP(t *testing.T) {
	store := newMemStore()
	store.add("Buy milk")
	h, _ := newSite(t, store, false)
	inline := regexp.MustCompile(`(?i)\sstyle=|\son[a-z]+=|<script>|<script[^>]*>[^<]|<style`)
	for _, rq := range []req{
		{method: "GET", target: "/"},
		{method: "GET", target: "/search?q=milk"},
		{method: "GET", target: "/nope", accept: browserHTML},
	} {
		w := serve(h, rq)
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy = %q, want default-src 'self'", rq.target, csp)
		}
		if m := inline.FindString(w.Body.String()); m != "" {
			t.Errorf("%s: inline script or style %q would be blocked", rq.target, m)
		}
	}
}

// TestPagesHaveAMetaDescription: every page, the error pages too, says in
// one sentence what the site is, for search engines and link previews.
func TestPagesHaveAMetaDescription(t *testing.T) {
	store := newMemStore()
	store.add("Buy milk")
	h, _ := newSite(t, store, false)
	want := `<meta name="description" content="` + template.HTMLEscapeString(description) + `">`
	for _, rq := range []req{
		{method: "GET", target: "/"},
		{method: "GET", target: "/search?q=milk"},
		{method: "GET", target: "/nope", accept: browserHTML},
	} {
		body := serve(h, rq).Body.String()
		if n := strings.Count(body, `<meta name="description"`); n != 1 || !strings.Contains(body, want) {
			t.Errorf("%s: %d meta descriptions, want exactly one: %s", rq.target, n, want)
		}
	}
}

func TestRequestLog(t *testing.T) {
	h, logs := newSite(t, newMemStore(), false)
	serve(h, req{method: "GET", target: "/search?q=my+secret+plan", requestID: "edge-id-1"})
	w := serve(h, req{method: "POST", target: "/todos", body: `{"title":"private words"}`, contentType: jsonType})

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logs)
	}
	var entries []map[string]any
	for _, line := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		entries = append(entries, e)
	}
	want := []map[string]any{
		{"msg": "request", "requestId": "edge-id-1", "method": "GET", "path": "/search", "status": 200.0},
		{"msg": "request", "requestId": w.Header().Get("X-Request-Id"), "method": "POST", "path": "/todos", "status": 201.0},
	}
	for i, e := range entries {
		for k, v := range want[i] {
			if e[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i+1, k, e[k], v)
			}
		}
		if d, ok := e["durationMs"].(float64); !ok || d < 0 {
			t.Errorf("line %d: durationMs = %v, want a duration", i+1, e["durationMs"])
		}
	}
	if id := w.Header().Get("X-Request-Id"); len(id) < 8 {
		t.Errorf("generated request id %q, want one of some length", id)
	}
	for _, secret := range []string{"secret", "private"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds user data %q:\n%s", secret, logs)
		}
	}
}
