package todo

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name      string
		draft     Draft
		wantField string // "" when valid
	}{
		{"minimal", Draft{Title: "Buy milk", Priority: 3}, ""},
		{"trimmed title", Draft{Title: "  Buy milk \n", Priority: 1}, ""},
		{"japanese title of 200 characters", Draft{Title: strings.Repeat("牛", 200), Priority: 5}, ""},
		{"memo with line breaks", Draft{Title: "x", Memo: "line 1\nline 2\r\n\tindented", Priority: 2}, ""},
		{"empty title", Draft{Title: "", Priority: 3}, "title"},
		{"blank title", Draft{Title: " \t ", Priority: 3}, "title"},
		{"title of 201 characters", Draft{Title: strings.Repeat("a", 201), Priority: 3}, "title"},
		{"title with a control character", Draft{Title: "a\x00b", Priority: 3}, "title"},
		{"title not UTF-8", Draft{Title: "a\xffb", Priority: 3}, "title"},
		{"memo of 2001 characters", Draft{Title: "x", Memo: strings.Repeat("メ", 2001), Priority: 3}, "memo"},
		{"memo with a control character", Draft{Title: "x", Memo: "a\x07", Priority: 3}, "memo"},
		{"title with a direction mark", Draft{Title: "שלום\u200f 123", Priority: 3}, ""},
		{"title of an emoji sequence", Draft{Title: "👨\u200d👩\u200d👧", Priority: 3}, ""},
		{"title of zero-width spaces", Draft{Title: "\u200b\u200b", Priority: 3}, "title"},
		{"title of direction marks", Draft{Title: "\u200e\u200f\u061c", Priority: 3}, "title"},
		{"title of spaces and invisible characters", Draft{Title: " \u200b\u3000\ufeff\u00ad ", Priority: 3}, "title"},
		{"title of a Hangul filler", Draft{Title: "\u3164", Priority: 3}, "title"},
		{"title of a variation selector", Draft{Title: "\ufe0f", Priority: 3}, "title"},
		{"title with a right-to-left override", Draft{Title: "invoice\u202etxt.exe", Priority: 3}, "title"},
		{"title with an isolate", Draft{Title: "a\u2067b\u2069", Priority: 3}, "title"},
		{"memo with an embedding", Draft{Title: "x", Memo: "a\u202bb\u202c", Priority: 3}, "memo"},
		{"priority 0", Draft{Title: "x", Priority: 0}, "priority"},
		{"priority 6", Draft{Title: "x", Priority: 6}, "priority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(tt.draft, now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("New(%+v) = %v, want no error", tt.draft, err)
				}
				if got.Title != strings.TrimSpace(tt.draft.Title) || got.Version != 1 || !got.CreatedAt.Equal(now) ||
					!got.UpdatedAt.Equal(now) || !ValidID(got.ID) {
					t.Errorf("New(%+v) = %+v, want trimmed title, version 1, times %v and a valid id", tt.draft, got, now)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || verr.Field != tt.wantField {
				t.Fatalf("New(%+v) error = %v, want a ValidationError of field %q", tt.draft, err, tt.wantField)
			}
			if !strings.Contains(verr.Message, tt.wantField) {
				t.Errorf("message %q does not name the field %q", verr.Message, tt.wantField)
			}
		})
	}
}

func TestNewIDIsRandomAndValid(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q, which ValidID refuses", id)
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		NewID():                          true,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ":     true,
		"":                               false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY":      false, // 25
		"ABCDEFGHIJKLMNOPQRSTUVWXYZA":    false, // 27
		"abcdefghijklmnopqrstuvwxyz":     false, // lowercase
		"ABCDEFGHIJKLMNOPQRSTUVWXY1":     false, // 1 is not base32
		"ABCDEFGHIJKLMNOPQRSTUVWXY/":     false,
		"../../../../../../etc/passwd":   false,
		"<script>alert(1)</script>ABCDE": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestPositionOrdersNewestFirst(t *testing.T) {
	older := Todo{ID: "BBBBBBBBBBBBBBBBBBBBBBBBBB", CreatedAt: now}
	newer := Todo{ID: "AAAAAAAAAAAAAAAAAAAAAAAAAA", CreatedAt: now.Add(time.Nanosecond)}
	twin := Todo{ID: "CCCCCCCCCCCCCCCCCCCCCCCCCC", CreatedAt: now}
	for _, pair := range [][2]Todo{{newer, older}, {twin, older}} {
		if !(Position(pair[0]) > Position(pair[1])) {
			t.Errorf("Position(%+v) = %q is not after Position(%+v) = %q", pair[0], Position(pair[0]), pair[1], Position(pair[1]))
		}
	}
	todos := []Todo{older, newer, twin}
	SortNewestFirst(todos)
	if todos[0] != newer || todos[1] != twin || todos[2] != older {
		t.Errorf("SortNewestFirst = %v, want newer, twin, older", todos)
	}
	if p := Position(Todo{ID: NewID(), CreatedAt: now.In(time.FixedZone("JST", 9*3600))}); !validPosition(p) || len(p) != positionLen || !strings.HasPrefix(p, "2026-11-23T09:30:00.000000000Z#") {
		t.Errorf("Position of a time in another zone = %q, want the fixed-width UTC time", p)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	pos := Position(Todo{ID: NewID(), CreatedAt: now})
	c := EncodeCursor(pos)
	if strings.ContainsAny(c, "+/=") {
		t.Errorf("cursor %q is not URL-safe", c)
	}
	got, err := DecodeCursor(c)
	if err != nil || got != pos {
		t.Fatalf("DecodeCursor(EncodeCursor(%q)) = %q, %v; want the position back", pos, got, err)
	}
	search := pageCursor{Gram: "日本", After: pos}.encode()
	if got, err := decodeCursor(search); err != nil || got.Gram != "日本" || got.After != pos || len(search) > maxCursor {
		t.Errorf("decodeCursor(%q) = %+v, %v; want the search cursor back, within %d characters", search, got, err, maxCursor)
	}
}

func TestDecodeCursorRefusesForgeries(t *testing.T) {
	b64 := func(s string) string { return strings.TrimRight(b64url(s), "=") }
	pos := Position(Todo{ID: NewID(), CreatedAt: now})
	for name, c := range map[string]string{
		"not base64":             "!!!",
		"padded base64":          b64url(`{"k":"`+pos+`"}`) + "==",
		"not JSON":               b64("hello"),
		"invalid id":             b64(`{"k":"2026-11-23T09:30:00.000000000Z#../x"}`),
		"an id alone":            b64(`{"k":"` + NewID() + `"}`),
		"a time of another form": b64(`{"k":"2026-11-23T09:30:00Z#` + NewID() + `"}`),
		"number position":        b64(`{"k":1}`),
		"extra field":            b64(`{"k":"` + pos + `","admin":true}`),
		"trailing data":          b64(`{"k":"` + pos + `"}{}`),
		"DynamoDB key JSON":      b64(`{"k":{"S":"` + pos + `"}}`),
		"a search cursor":        pageCursor{Gram: "ab", After: pos}.encode(),
		"too long":               strings.Repeat("A", maxCursor+1),
	} {
		if _, err := DecodeCursor(c); !errors.Is(err, ErrInvalidCursor) {
			t.Errorf("%s: DecodeCursor(%q) error = %v, want ErrInvalidCursor", name, c, err)
		}
	}
	if _, err := decodeCursor(b64(`{"g":"abc","k":"` + pos + `"}`)); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("decodeCursor of a gram of three characters: error = %v, want ErrInvalidCursor", err)
	}
}

func TestPatchNormalize(t *testing.T) {
	tests := []struct {
		name      string
		patch     Patch
		wantErr   string // a part of the message; "" when valid
		wantTitle string
	}{
		{"title trimmed", Patch{Title: ptr("  new  "), Version: 1}, "", "new"},
		{"completed only", Patch{Completed: ptr(true), Version: 4}, "", ""},
		{"no version", Patch{Title: ptr("x")}, "version is required", ""},
		{"negative version", Patch{Title: ptr("x"), Version: -1}, "version is required", ""},
		{"nothing to update", Patch{Version: 1}, "nothing to update", ""},
		{"empty title", Patch{Title: ptr(" "), Version: 1}, "title is required", ""},
		{"invisible title", Patch{Title: ptr("\u200b"), Version: 1}, "title must have a visible character", ""},
		{"override in the memo", Patch{Memo: ptr("\u202e"), Version: 1}, "memo must not contain bidirectional", ""},
		{"long memo", Patch{Memo: ptr(strings.Repeat("m", 2001)), Version: 1}, "memo must be at most 2000", ""},
		{"priority 9", Patch{Priority: ptr(9), Version: 1}, "priority must be an integer from 1 to 5, got 9", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.patch.Normalize()
			if tt.wantErr != "" {
				var verr *ValidationError
				if !errors.As(err, &verr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want a ValidationError saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v, want none", err)
			}
			if tt.wantTitle != "" && *got.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", *got.Title, tt.wantTitle)
			}
		})
	}
}

func TestPatchApply(t *testing.T) {
	orig, err := New(Draft{Title: "old", Memo: "memo", Priority: 3}, now)
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	got := Patch{Title: ptr("new"), Completed: ptr(true), Version: 1}.Apply(orig, later)
	want := orig
	want.Title, want.Completed, want.UpdatedAt, want.Version = "new", true, later, 2
	if got != want {
		t.Errorf("Apply = %+v, want %+v", got, want)
	}
}

func TestMatches(t *testing.T) {
	todo := Todo{Title: "Buy MILK", Memo: "牛乳を買う"}
	for q, want := range map[string]bool{"milk": true, "Milk": true, "牛乳": true, "": true, "bread": false} {
		if got := Matches(todo, q); got != want {
			t.Errorf("Matches(%+v, %q) = %v, want %v", todo, q, got, want)
		}
	}
}

func b64url(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
