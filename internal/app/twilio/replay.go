package twilio

import (
	"crypto/sha1"
	"sync"
	"time"
)

// replays remembers the signatures of the gathers the handler applied, for
// a window, so that the same signed request sent again is refused instead
// of applied twice. Twilio's signature has no timestamp: a copy of a
// genuine request stays valid for ever, and only the receiver can tell a
// copy. Memory is bounded: at most max signatures, each forgotten once its
// window has passed or, when more than max arrive within one window, the
// oldest first (a replay of a forgotten one is then caught by the todo's
// id, see Handler.Gather).
type replays struct {
	mu     sync.Mutex
	window time.Duration
	seen   map[[sha1.Size]byte]struct{}
	// ring holds the remembered signatures, with the time each was
	// claimed: n of them from head on, oldest first, wrapping around.
	ring []claim
	head int
	n    int
}

type claim struct {
	sig [sha1.Size]byte
	at  time.Time
}

func newReplays(window time.Duration, max int) *replays {
	return &replays{window: window, seen: make(map[[sha1.Size]byte]struct{}, max), ring: make([]claim, max)}
}

// claim records sig as applied at now and reports true, or reports false
// when sig was claimed within the window already: the request is a replay.
func (c *replays) claim(sig [sha1.Size]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n > 0 && now.Sub(c.ring[c.head].at) > c.window {
		c.drop()
	}
	if _, ok := c.seen[sig]; ok {
		return false
	}
	if c.n == len(c.ring) {
		c.drop()
	}
	c.seen[sig] = struct{}{}
	c.ring[(c.head+c.n)%len(c.ring)] = claim{sig, now}
	c.n++
	return true
}

// release forgets sig, claimed by a request that then failed before it
// applied anything (the store refused or did not answer), so that Twilio's
// retry of it is not taken for a replay. Only the latest claim is released
// (the ring forgets from its oldest end); an earlier one stays until it
// expires, which refuses at worst the retry of a request whose outcome is
// unknown anyway.
func (c *replays) release(sig [sha1.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return
	}
	last := (c.head + c.n - 1) % len(c.ring)
	if c.ring[last].sig == sig {
		delete(c.seen, sig)
		c.ring[last] = claim{}
		c.n--
	}
}

// drop forgets the oldest claim.
func (c *replays) drop() {
	delete(c.seen, c.ring[c.head].sig)
	c.ring[c.head] = claim{}
	c.head = (c.head + 1) % len(c.ring)
	c.n--
}
