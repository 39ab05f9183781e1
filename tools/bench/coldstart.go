package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/gowebapp/webapp/tools/runtimeapi"
)

// Start is one cold start of a bootstrap under the Runtime API emulator.
type Start struct {
	// Init is the time from starting the process to its first request to
	// the Runtime API: Lambda's init phase.
	Init time.Duration
	// FirstResponse is the time from starting the process to the response
	// of its first invocation, which was queued before the process started.
	FirstResponse time.Duration
	// Warm are the round trips of the invocations after the first one,
	// through the emulator on loopback.
	Warm []time.Duration
}

// ColdStart starts binary under a fresh emulator with env (see
// runtimeapi.StartProcess), invokes it with event 1+warm times and stops it.
// check, if not nil, is called with the first response's payload.
func ColdStart(ctx context.Context, binary string, env []string, event []byte, warm int, check func([]byte) error) (Start, error) {
	s, err := runtimeapi.Start()
	if err != nil {
		return Start{}, err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	polled := s.FirstPoll()

	start := time.Now()
	if _, err := runtimeapi.StartProcess(ctx, binary, env, s); err != nil {
		return Start{}, err
	}
	payload, err := s.Invoke(ctx, event)
	answered := time.Now()
	if err != nil {
		return Start{}, fmt.Errorf("%s: first invocation: %w", binary, err)
	}
	if check != nil {
		if err := check(payload); err != nil {
			return Start{}, fmt.Errorf("%s: first response: %w", binary, err)
		}
	}
	st := Start{FirstResponse: answered.Sub(start), Warm: make([]time.Duration, 0, warm)}
	select {
	case t := <-polled:
		st.Init = t.Sub(start)
	default: // cannot happen: the invocation was handed over on a poll
		return Start{}, fmt.Errorf("%s: answered without polling", binary)
	}
	for range warm {
		t0 := time.Now()
		if _, err := s.Invoke(ctx, event); err != nil {
			return Start{}, fmt.Errorf("%s: warm invocation: %w", binary, err)
		}
		st.Warm = append(st.Warm, time.Since(t0))
	}
	return st, nil
}
