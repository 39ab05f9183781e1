package site

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// moreLink finds the search page's link to its next page.
var moreLink = regexp.MustCompile(`<a class="button secondary" href="([^"]*)">More results →</a>`)

var todoTitle = regexp.MustCompile(`<h3 class="todo-title">([^<]*)</h3>`)

// TestSearchPageGoesOnWithMoreResults follows the search page's "More
// results" links, under both base paths, to every match, newest first, each
// once, at most searchLimit a page.
func TestSearchPageGoesOnWithMoreResults(t *testing.T) {
	for _, base := range []string{"", "/v1"} {
		store := newMemStore()
		var want []string
		for i := range 2*searchLimit + 5 {
			title := fmt.Sprint("Buy milk & bread ", i)
			store.add(title, fmt.Sprint("chore ", i))
			want = append([]string{title}, want...)
		}
		h, _ := newSite(t, store, false)
		var got []string
		target := "/search?q=" + "milk+%26+bread"
		for pages := 1; ; pages++ {
			w := serve(h, req{method: "GET", target: target, basePath: base})
			if w.Code != 200 {
				t.Fatalf("GET %s = %d %s", target, w.Code, w.Body)
			}
			titles := todoTitle.FindAllStringSubmatch(w.Body.String(), -1)
			if len(titles) > searchLimit {
				t.Fatalf("page %d shows %d todos, over %d", pages, len(titles), searchLimit)
			}
			for _, m := range titles {
				got = append(got, html.UnescapeString(m[1]))
			}
			more := moreLink.FindStringSubmatch(w.Body.String())
			if more == nil {
				break
			}
			link := html.UnescapeString(more[1])
			if !strings.HasPrefix(link, base+"/search?q=milk%20%26%20bread&next=") {
				t.Fatalf("More results links to %q, want %s/search?q=milk%%20%%26%%20bread&next=…", link, base)
			}
			target = strings.TrimPrefix(link, base)
			if pages > 3 {
				t.Fatal("more than 3 pages for 45 results")
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("base %q: the pages showed %q, want %q", base, got, want)
		}
	}
}

func TestSearchPageWithoutAVisibleKeyword(t *testing.T) {
	store := newMemStore()
	store.add("Buy milk")
	h, _ := newSite(t, store, false)
	w := serve(h, req{method: "GET", target: "/search?q=%E2%80%8B"}) // a zero-width space
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Type a word") {
		t.Errorf("a keyword of a zero-width space: %d, want the page that asks for a word", w.Code)
	}
}

func TestSearchAPI(t *testing.T) {
	store := newMemStore()
	for i := range 30 {
		store.add(fmt.Sprint("牛乳 ", i))
	}
	store.add("Walk the dog")
	h, _ := newSite(t, store, false)

	var got []string
	target := "/todos?q=%E7%89%9B%E4%B9%B3&limit=12"
	for pages := 1; ; pages++ {
		w := serve(h, req{method: "GET", target: target})
		var page listResponse
		decodeJSONBody(t, w, &page)
		if w.Code != 200 || len(page.Items) > 12 {
			t.Fatalf("GET %s = %d with %d todos, want 200 and at most 12", target, w.Code, len(page.Items))
		}
		for _, item := range page.Items {
			got = append(got, item.Title)
		}
		if page.Next == "" {
			break
		}
		target = "/todos?q=%E7%89%9B%E4%B9%B3&limit=12&next=" + page.Next
		if pages > 3 {
			t.Fatal("more than 3 pages of 12 for 30 results")
		}
	}
	if len(got) != 30 || got[0] != "牛乳 29" || got[29] != "牛乳 0" {
		t.Errorf("the pages gave %q, want the 30 todos with 牛乳, newest first", got)
	}

	var first listResponse
	decodeJSONBody(t, serve(h, req{method: "GET", target: "/todos?q=dog"}), &first)
	if len(first.Items) != 1 || first.Next != "" {
		t.Errorf("GET /todos?q=dog = %+v, want the one todo and no next page", first)
	}
	for _, tt := range []struct {
		target, message string
	}{
		{"/todos?q=milk&limit=51", fmt.Sprintf("limit must be an integer from 1 to %d", todo.MaxSearchLimit)},
		{"/todos?q=milk&limit=0", "limit must be an integer from 1 to 50"},
		{"/todos?q=", "q is required"},
		{"/todos?q=+", "q is required"},
		{"/todos?q=" + strings.Repeat("x", MaxQuery+1), "q must be at most 200 characters"},
		{"/todos?q=milk&next=forged", "invalid next cursor"},
	} {
		w := serve(h, req{method: "GET", target: tt.target})
		if e := decodeError(t, w); w.Code != 400 || e.Code != "BadRequestError" || !strings.Contains(e.Message, tt.message) {
			t.Errorf("GET %s = %d %+v, want 400 saying %q", tt.target, w.Code, e, tt.message)
		}
	}
	if w := serve(h, req{method: "GET", target: "/todos?limit=100"}); w.Code != 200 {
		t.Errorf("a list of 100 = %d, want 200: the search's cap is not the list's", w.Code)
	}
}
