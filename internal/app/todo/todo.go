// Package todo is the model of the Todo tutorial — a todo, its validation,
// its ids and list cursors — and its store in DynamoDB.
//
// Validation lives here, next to the model, so that every store refuses an
// invalid todo before writing anything and the site only has to decode
// requests.
//
// # Search and lists without a scan
//
// The store keeps a second table, an inverted index: for every todo, one
// entry per gram of its folded title and memo (see Fold) — each character
// and each pair of adjacent characters, at most MaxGrams — and one in the
// list partition. An entry's partition key is the gram, its sort key the
// todo's Position (creation time, then id), so a partition reads newest
// first. List is a Query of the list partition; Search a Query of the
// partitions of the query's grams (日本語: 日本 and 本語; a one-character
// query its own), then a BatchGetItem of the candidates. Each request reads
// at most a fixed number of entries and todos, and returns a cursor to go
// on: its cost does not grow with the table.
//
// The todo's item is the truth and an entry only a hint, checked against the
// todo on every read. Writes keep the index ahead of the items: a create or
// update writes its new entries before the todo, and deletes the entries it
// no longer needs after it; a delete removes the todo, then its entries. A
// reader therefore never misses a todo through an entry not yet written,
// and an entry left by a write in flight, a refused one or a crash only
// costs a read; readers delete those they can prove stale. docs/search.md
// tells the whole of it: costs, what a reader sees during a write, and the
// limits.
package todo

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of a todo's fields.
const (
	MaxTitle        = 200  // characters, after trimming
	MaxMemo         = 2000 // characters
	MinPriority     = 1    // the most urgent
	MaxPriority     = 5    // the least urgent
	DefaultPriority = 3
	MaxPageSize     = 1000 // the most todos a store lists at once
)

// Todo is one item of the list, as stored and as sent to API clients.
type Todo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Memo      string    `json:"memo"`
	Priority  int       `json:"priority"`
	Completed bool      `json:"completed"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version starts at 1 and grows by one with each update; an update or a
	// delete names the version it saw, so that no change is silently lost.
	Version int `json:"version"`
}

// Draft is what a client gives to create a todo.
type Draft struct {
	Title     string
	Memo      string
	Priority  int // MinPriority to MaxPriority; callers fill in DefaultPriority when none was given
	Completed bool
}

// Patch is what a client gives to update a todo: the fields to change (nil:
// unchanged) and the version the change is based on.
type Patch struct {
	Title     *string
	Memo      *string
	Priority  *int
	Completed *bool
	Version   int
}

// Page is one page of a list, and the cursor of the next one ("" at the end).
type Page struct {
	Items []Todo
	Next  string
}

var (
	// ErrNotFound means no todo has the id.
	ErrNotFound = errors.New("todo not found")
	// ErrConflict means the todo changed since the version the caller saw (or,
	// on create, that the id is taken).
	ErrConflict = errors.New("todo was changed by someone else: reload it and try again")
	// ErrInvalidCursor means a list cursor was not one this package made.
	ErrInvalidCursor = errors.New("invalid cursor")
)

// ValidationError is a field that a client got wrong; its message names the
// field and is safe to show.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// New validates d and returns a new todo with a fresh id, created at now,
// version 1.
func New(d Draft, now time.Time) (Todo, error) {
	now = now.UTC()
	t := Todo{
		ID:        NewID(),
		Title:     strings.TrimSpace(d.Title),
		Memo:      d.Memo,
		Priority:  d.Priority,
		Completed: d.Completed,
		CreatedAt: now,
		UpdatedAt: now,
		Version:   1,
	}
	return t, t.Validate()
}

// Validate reports the first field of t that breaks the rules.
func (t Todo) Validate() error {
	if !ValidID(t.ID) {
		return invalid("id", "invalid id")
	}
	if err := checkTitle(t.Title); err != nil {
		return err
	}
	if err := checkMemo(t.Memo); err != nil {
		return err
	}
	if err := checkPriority(t.Priority); err != nil {
		return err
	}
	if t.Version < 1 {
		return invalid("version", "version must be a positive integer")
	}
	return nil
}

// Normalize trims the title and validates p.
func (p Patch) Normalize() (Patch, error) {
	if p.Version < 1 {
		return p, invalid("version", "version is required and must be a positive integer")
	}
	if p.Title == nil && p.Memo == nil && p.Priority == nil && p.Completed == nil {
		return p, invalid("", "nothing to update: give title, memo, priority or completed")
	}
	if p.Title != nil {
		title := strings.TrimSpace(*p.Title)
		if err := checkTitle(title); err != nil {
			return p, err
		}
		p.Title = &title
	}
	if p.Memo != nil {
		if err := checkMemo(*p.Memo); err != nil {
			return p, err
		}
	}
	if p.Priority != nil {
		if err := checkPriority(*p.Priority); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Apply returns t changed by the normalized patch p at now, one version on.
// It does not check p.Version against t.Version: the store does, atomically.
func (p Patch) Apply(t Todo, now time.Time) Todo {
	if p.Title != nil {
		t.Title = *p.Title
	}
	if p.Memo != nil {
		t.Memo = *p.Memo
	}
	if p.Priority != nil {
		t.Priority = *p.Priority
	}
	if p.Completed != nil {
		t.Completed = *p.Completed
	}
	t.UpdatedAt = now.UTC()
	t.Version++
	return t
}

func checkTitle(s string) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return invalid("title", "title must be valid UTF-8")
	case n == 0:
		return invalid("title", "title is required")
	case n > MaxTitle:
		return invalid("title", "title must be at most %d characters, got %d", MaxTitle, n)
	case strings.ContainsFunc(s, unicode.IsControl):
		return invalid("title", "title must not contain control characters")
	case strings.ContainsFunc(s, bidiControl):
		return invalid("title", bidiMessage, "title")
	case !strings.ContainsFunc(s, visible):
		return invalid("title", "title must have a visible character: it holds only white space or invisible characters")
	}
	return nil
}

func checkMemo(s string) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return invalid("memo", "memo must be valid UTF-8")
	case n > MaxMemo:
		return invalid("memo", "memo must be at most %d characters, got %d", MaxMemo, n)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return invalid("memo", "memo must not contain control characters other than line breaks and tabs")
	case strings.ContainsFunc(s, bidiControl):
		return invalid("memo", bidiMessage, "memo")
	}
	return nil
}

// bidiMessage is the refusal of a bidirectional control, for the field.
const bidiMessage = "%s must not contain bidirectional embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069): " +
	"they make text show in another order than it is stored; use the marks U+200E and U+200F where a direction must be set"

// bidiControl reports whether r is a bidirectional embedding, override,
// isolate or their terminator: characters that reorder the text after them
// until the end of the paragraph, so that what a page shows is not what was
// stored ("Trojan Source"). The marks U+200E, U+200F and U+061C, which only
// set the direction of neutral characters next to them, are allowed.
func bidiControl(r rune) bool {
	return 0x202A <= r && r <= 0x202E || 0x2066 <= r && r <= 0x2069
}

// visible reports whether r shows something on a page: not white space and
// not an invisible character (see invisible).
func visible(r rune) bool { return !unicode.IsSpace(r) && !invisible(r) }

func checkPriority(p int) error {
	if p < MinPriority || p > MaxPriority {
		return invalid("priority", "priority must be an integer from %d to %d, got %d", MinPriority, MaxPriority, p)
	}
	return nil
}

// idLen is the length of an id: 16 random bytes in unpadded base32.
const idLen = 26

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a random, URL-safe id: 128 bits from crypto/rand in unpadded
// uppercase base32 (A–Z, 2–7), 26 characters.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return idEncoding.EncodeToString(b[:])
}

// ValidID reports whether id has the shape of an id made by NewID, so that a
// malformed one is refused before it reaches the database.
func ValidID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}
