package todo

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// positionTime is the fixed-width UTC layout of the creation time in a
// position, so that positions sort as their times do.
const positionTime = "2006-01-02T15:04:05.000000000Z"

// positionLen is the length of every position: time, '#', id.
const positionLen = len(positionTime) + 1 + idLen

// Position returns t's place in the order of lists and search results, as a
// string: todos are newest first when their positions are in descending
// byte order — by creation time, then by id. It is the sort key of t's index
// entries, and never changes (an update keeps the creation time).
func Position(t Todo) string {
	return t.CreatedAt.UTC().Format(positionTime) + "#" + t.ID
}

// validPosition reports whether p has the shape Position gives.
func validPosition(p string) bool {
	if len(p) != positionLen || p[len(positionTime)] != '#' || !ValidID(p[len(positionTime)+1:]) {
		return false
	}
	_, err := time.Parse(positionTime, p[:len(positionTime)])
	return err == nil
}

// idOf returns the id in a valid position.
func idOf(p string) string { return p[len(positionTime)+1:] }

// pageCursor is where a page resumes: after the position After, in the index
// partition of Gram (the search's driving gram; "" for a list).
type pageCursor struct {
	Gram  string `json:"g,omitempty"`
	After string `json:"k"`
}

// maxCursor bounds what decodeCursor will look at: a search cursor, the
// longest, is about 110 characters.
const maxCursor = 160

func (c pageCursor) encode() string {
	b, _ := json.Marshal(c) // a struct of two strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the cursor s encodes, or ErrInvalidCursor if s is not
// one this package made: base64url of the JSON object, no other field, a
// valid position, and a gram of one or two characters or none.
func decodeCursor(s string) (pageCursor, error) {
	if len(s) > maxCursor {
		return pageCursor{}, ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pageCursor{}, ErrInvalidCursor
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var c pageCursor
	if err := dec.Decode(&c); err != nil || dec.More() || !validPosition(c.After) || utf8.RuneCountInString(c.Gram) > 2 {
		return pageCursor{}, ErrInvalidCursor
	}
	return c, nil
}

// EncodeCursor returns the opaque cursor that resumes a list after the todo
// at the position (see Position): base64url of the position as JSON.
func EncodeCursor(position string) string { return pageCursor{After: position}.encode() }

// DecodeCursor returns the position a list cursor made by EncodeCursor
// resumes after, or ErrInvalidCursor for anything else — a search cursor
// included.
func DecodeCursor(s string) (string, error) {
	c, err := decodeCursor(s)
	if err != nil || c.Gram != "" {
		return "", ErrInvalidCursor
	}
	return c.After, nil
}
