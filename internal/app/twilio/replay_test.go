package twilio

import (
	"crypto/sha1"
	"testing"
	"time"
)

func sigOf(b byte) (s [sha1.Size]byte) {
	s[0] = b
	return s
}

func TestReplaysRefuseASecondClaimWithinTheWindow(t *testing.T) {
	c := newReplays(time.Minute, 4)
	t0 := time.Unix(1_700_000_000, 0)
	if !c.claim(sigOf(1), t0) {
		t.Fatal("first claim refused")
	}
	if c.claim(sigOf(1), t0.Add(59*time.Second)) {
		t.Error("the same signature within the window was accepted")
	}
	if !c.claim(sigOf(1), t0.Add(61*time.Second)) {
		t.Error("the signature was still refused after its window")
	}
}

func TestReplaysForgetTheOldestWhenFull(t *testing.T) {
	c := newReplays(time.Hour, 3)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range byte(5) {
		if !c.claim(sigOf(i), t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("claim %d refused", i)
		}
	}
	if len(c.seen) != 3 {
		t.Errorf("remembers %d signatures, want at most 3", len(c.seen))
	}
	at := t0.Add(10 * time.Second)
	for _, i := range []byte{2, 3, 4} {
		if c.claim(sigOf(i), at) {
			t.Errorf("claim %d again was accepted: one of the latest three must be remembered", i)
		}
	}
	if !c.claim(sigOf(0), at) {
		t.Error("claim 0 again was refused: the oldest must have been forgotten")
	}
}

func TestReplaysReleaseTheLatestClaim(t *testing.T) {
	c := newReplays(time.Hour, 3)
	t0 := time.Unix(1_700_000_000, 0)
	c.claim(sigOf(1), t0)
	c.claim(sigOf(2), t0)
	c.release(sigOf(2))
	if !c.claim(sigOf(2), t0) {
		t.Error("a released signature is still refused")
	}
	c.release(sigOf(1)) // not the latest: kept
	if c.claim(sigOf(1), t0) {
		t.Error("releasing an earlier claim forgot it")
	}
}
