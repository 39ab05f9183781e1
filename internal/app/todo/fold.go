package todo

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns s as search compares it: case folded (A and a, Σ, σ and ς
// alike), width folded (full-width Latin letters and digits as ASCII,
// half-width katakana as full-width, voiced marks composed: ｶﾞ is ガ), every
// run of white space as one space, and invisible characters (zero-width
// spaces and joiners, bidirectional marks, variation selectors) dropped.
//
// Only the standard library is used, so there is no Unicode normalization
// beyond that: a precomposed é and an e followed by a combining accent
// differ, as do ligatures (ﬁ) and their letters. Browsers send typed text
// precomposed (NFC), so the difference rarely shows.
//
// The index is built from folded text: changing Fold changes which grams a
// todo has, and needs Store.Reindex.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // the last rune written was a space
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case unicode.IsSpace(r):
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case invisible(r):
			continue
		case 0xFF01 <= r && r <= 0xFF5E: // full-width ASCII
			r -= 0xFF01 - 0x21
		case halfwidthKatakanaFirst <= r && r <= halfwidthKatakanaLast:
			r = halfwidthKatakana[r-halfwidthKatakanaFirst]
			if i < len(s) { // a voiced mark after a kana combines with it
				mark, m := utf8.DecodeRuneInString(s[i:])
				if voiced, ok := composeVoiced(r, mark); ok {
					r = voiced
					i += m
				}
			}
		}
		space = false
		b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
	}
	return strings.TrimSuffix(b.String(), " ")
}

// invisible reports whether r shows nothing by itself: a format character
// (zero-width space, joiners, bidirectional marks and controls, the byte
// order mark, the soft hyphen), a variation selector, or another of
// Unicode's default-ignorable code points (the Hangul fillers among them).
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

const (
	halfwidthKatakanaFirst = 0xFF61
	halfwidthKatakanaLast  = 0xFF9F
)

// halfwidthKatakana maps U+FF61 … U+FF9F to their full-width forms.
var halfwidthKatakana = []rune("。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜")

// composeVoiced returns the full-width katakana kana followed by the
// half-width voiced (ﾞ) or semi-voiced (ﾟ) mark, as one character: カ ﾞ is
// ガ, ハ ﾟ is パ.
func composeVoiced(kana, mark rune) (rune, bool) {
	switch mark {
	case 0xFF9E: // ﾞ
		switch {
		case kana == 'ウ':
			return 'ヴ', true
		case 'カ' <= kana && kana <= 'チ' && (kana-'カ')%2 == 0, // カキクケコサシスセソタチ: voiced is the next code point
			kana == 'ツ' || kana == 'テ' || kana == 'ト':
			return kana + 1, true
		case 'ハ' <= kana && kana <= 'ホ' && (kana-'ハ')%3 == 0: // ハヒフヘホ: バビブベボ follow each
			return kana + 1, true
		}
	case 0xFF9F: // ﾟ
		if 'ハ' <= kana && kana <= 'ホ' && (kana-'ハ')%3 == 0 { // パピプペポ
			return kana + 2, true
		}
	}
	return 0, false
}

// MaxGrams is the most grams one todo puts in the index: the cap on what a
// write costs (one index entry is one write unit). The title's grams come
// first — a title of 200 distinct characters has 399 — then the memo's, in
// order of first appearance, until the cap: text of a long memo past it is
// not found by search. Changing it needs Store.Reindex.
const MaxGrams = 512

// grams returns the distinct grams of t that the index holds, at most
// MaxGrams: for each field, folded, every character but a space (a unigram,
// for one-character queries) and every pair of adjacent characters (a
// bigram, for longer ones), in order of first appearance, the title first.
// Pairs never span title and memo: a match is within one field.
func grams(t Todo) []string {
	seen := make(map[string]bool)
	var out []string
	add := func(g string) bool {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
		return len(out) < MaxGrams
	}
	for _, field := range []string{t.Title, t.Memo} {
		runes := []rune(Fold(field))
		for i, r := range runes {
			if r != ' ' && !add(string(r)) {
				return out
			}
			if i+1 < len(runes) && !add(string(runes[i:i+2])) {
				return out
			}
		}
	}
	return out
}

// queryGrams returns the grams every todo matching the folded query q must
// have: q itself when it is one character, else its distinct bigrams in
// order.
func queryGrams(q string) []string {
	runes := []rune(q)
	if len(runes) == 1 {
		return []string{q}
	}
	seen := make(map[string]bool)
	var out []string
	for i := 0; i+1 < len(runes); i++ {
		if g := string(runes[i : i+2]); !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}
