package todo

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Buy MILK":                   "buy milk",
		"ΣΊΣΥΦΟΣ σίσυφος":            "σίσυφοσ σίσυφοσ",  // final sigma is sigma
		"Kelvin \u212a, long \u017f": "kelvin k, long s", // the Kelvin sign and the long s fold as their letters
		"ＡＢＣ１２３！":                    "abc123!",
		"ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ ｳﾞ ｱｲｳ":         "ガギグ パピ ヴ アイウ",
		"ﾅﾞ":                     "ナ゛", // no voiced ナ: the mark stays, full width
		"日本語":                    "日本語",
		"  two\t\tspaces\n\n ":   "two spaces",
		"全角　スペース":                "全角 スペース",
		"mi\u200bl\u200dk\ufeff": "milk", // zero-width characters
		"\u200e\u200f":           "",
		"👨\u200d👩\u200d👧":        "👨👩👧",
		"é":                      "é",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldIsStable(t *testing.T) {
	for _, s := range []string{"Buy MILK", "ｶﾞｷﾞ", "ＡＢＣ", " a  b ", "ΣΊΣΥΦΟΣ", "mi\u200bl"} {
		if once := Fold(s); Fold(once) != once {
			t.Errorf("Fold(Fold(%q)) = %q, want %q: a folded query must fold to itself", s, Fold(once), once)
		}
	}
}

func TestHalfwidthKatakanaTable(t *testing.T) {
	if n := halfwidthKatakanaLast - halfwidthKatakanaFirst + 1; len(halfwidthKatakana) != n {
		t.Fatalf("the table maps %d characters, want %d (U+FF61 … U+FF9F)", len(halfwidthKatakana), n)
	}
	for in, want := range map[rune]rune{0xFF61: '。', 0xFF66: 'ヲ', 0xFF71: 'ア', 0xFF9D: 'ン', 0xFF70: 'ー'} {
		if got := halfwidthKatakana[in-halfwidthKatakanaFirst]; got != want {
			t.Errorf("U+%04X → %c, want %c", in, got, want)
		}
	}
}

func TestGrams(t *testing.T) {
	tests := []struct {
		title, memo string
		want        []string
	}{
		{"日本語", "", []string{"日", "日本", "本", "本語", "語"}},
		{"Ab ab", "", []string{"a", "ab", "b", "b ", " a"}},
		{"aa", "ab", []string{"a", "aa", "ab", "b"}}, // no pair spans title and memo: "aa" is the title's
		{"x", "  ", []string{"x"}},
	}
	for _, tt := range tests {
		if got := grams(Todo{Title: tt.title, Memo: tt.memo}); !slices.Equal(got, tt.want) {
			t.Errorf("grams(%q, %q) = %q, want %q", tt.title, tt.memo, got, tt.want)
		}
	}
}

func TestGramsAreCappedTitleFirst(t *testing.T) {
	// 200 distinct characters: 200 unigrams and 199 bigrams, all kept;
	// then a memo of other distinct characters fills the cap.
	distinct := func(from, n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteRune(rune(from + i))
		}
		return b.String()
	}
	title, memo := distinct(0x4E00, MaxTitle), distinct(0x5000, MaxMemo)
	got := grams(Todo{Title: title, Memo: memo})
	if len(got) != MaxGrams {
		t.Fatalf("%d grams, want the cap, %d", len(got), MaxGrams)
	}
	titleGrams := grams(Todo{Title: title})
	if len(titleGrams) != 2*MaxTitle-1 || !slices.Equal(got[:len(titleGrams)], titleGrams) {
		t.Errorf("the title's %d grams are not all first", len(titleGrams))
	}
	if last := got[len(got)-1]; !strings.Contains(memo, last) {
		t.Errorf("the last gram %q is not the memo's", last)
	}
}

func TestQueryGrams(t *testing.T) {
	for q, want := range map[string][]string{
		"日":    {"日"},
		"日本語":  {"日本", "本語"},
		"abab": {"ab", "ba"},
		"a b":  {"a ", " b"},
	} {
		if got := queryGrams(q); !slices.Equal(got, want) {
			t.Errorf("queryGrams(%q) = %q, want %q", q, got, want)
		}
	}
}

// Every todo whose text contains the query has every gram of the query:
// what lets the index rule candidates out.
func TestAMatchHasTheQuerysGrams(t *testing.T) {
	todo := Todo{Title: "Buy ＭＩＬＫ at the 日本語 shop", Memo: "ｶﾞｽ代 and ΣΊΣΥΦΟΣ"}
	have := map[string]bool{}
	for _, g := range grams(todo) {
		have[g] = true
	}
	for _, q := range []string{"milk", "y m", "日本語", "本", "ガス", "σίσυφος", "b", "shop"} {
		if !Matches(todo, q) {
			t.Fatalf("Matches(%+v, %q) = false, want true", todo, q)
		}
		for _, g := range queryGrams(Fold(q)) {
			if !have[g] {
				t.Errorf("query %q: gram %q is not among the todo's", q, g)
			}
		}
	}
}

func TestProbeGrams(t *testing.T) {
	for _, tt := range []struct {
		all, want []string
	}{
		{[]string{"ab"}, []string{"ab"}},
		{[]string{"a ", " b"}, []string{"a ", " b"}}, // only grams with a space: they will do
		{[]string{"bu", "uy", "y ", " m", "mi", "il", "lk"}, []string{"bu", "mi", "lk"}},
	} {
		if got := probeGrams(tt.all); !slices.Equal(got, tt.want) {
			t.Errorf("probeGrams(%q) = %q, want %q", tt.all, got, tt.want)
		}
	}
}

func TestWidestAndPrune(t *testing.T) {
	pos := func(i int) string {
		return fmt.Sprintf("2026-11-23T09:30:%02d.000000000Z#%s", i, strings.Repeat("A", idLen))
	}
	page := func(gram string, complete bool, at ...int) entryPage {
		p := entryPage{gram: gram, complete: complete}
		for _, i := range at {
			p.entries = append(p.entries, entry{gram: gram, position: pos(i)})
		}
		return p
	}
	common := page("ab", false, 59, 58, 57, 56) // covers 59 … 56
	older := page("bc", false, 59, 50, 40, 30)  // reaches back to 30
	rare := page("cd", true, 58, 40)            // all of it
	rarer := page("de", true, 40)               // all of it, fewer
	for _, tt := range []struct {
		pages []entryPage
		want  string
	}{
		{[]entryPage{common, older}, "bc"},
		{[]entryPage{common, older, rare}, "cd"},
		{[]entryPage{rare, rarer, common}, "de"},
	} {
		if got := tt.pages[widest(tt.pages)].gram; got != tt.want {
			t.Errorf("widest of %d pages = %q, want %q", len(tt.pages), got, tt.want)
		}
	}
	// Driving by "bc": 59 and 40 are in "cd", which is complete; 50 and 30
	// are not. "ab" covers only 56 and later: it rules out none of them.
	got := prune(older.entries, []entryPage{common, rare})
	if want := []entry{older.entries[2]}; !slices.Equal(got, want) {
		t.Errorf("prune = %v, want %v: 59, 50 and 30 are not in cd, which is complete; ab covers 59 and lists it", got, want)
	}
	if utf8.RuneCountInString(listGram) <= 2 {
		t.Errorf("listGram %q could be a gram", listGram)
	}
}
