package todo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStoreConcurrentWritersLoseNothing is a property of the store under
// contention, against dynalite: writers loop read → update with the version
// read, each update setting title, memo, priority and completed to values
// unique to the writer and attempt; in one round a deleter deletes with the
// version it read, and a reader lists and searches all along. Then:
//   - no two acknowledged updates got the same version, and their versions
//     are exactly 2 … 1+n: no acknowledged write was overwritten or lost;
//   - without the delete, the todo is the last acknowledged write, exactly;
//     with it, the delete was acknowledged at version 1+n (nothing was
//     acknowledged after it) and the todo is gone;
//   - every todo read, at any point and by any call, is valid and whole:
//     title, memo, priority and completed all from one write.
func TestStoreConcurrentWritersLoseNothing(t *testing.T) {
	const writers, attempts = 8, 12
	for _, withDelete := range []bool{false, true} {
		t.Run(fmt.Sprintf("delete=%v", withDelete), func(t *testing.T) {
			s, client := newStore(t)
			orig, err := New(Draft{Title: "t-init", Memo: "m-init", Priority: wholePriority("init"), Completed: wholeCompleted("init")}, now)
			if err != nil {
				t.Fatal(err)
			}
			if orig, err = s.Create(t.Context(), orig); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			check := func(who string, got Todo) {
				if err := got.Validate(); err != nil || !whole(got) {
					t.Errorf("%s read a broken todo %+v: %v", who, got, err)
				}
			}

			var (
				mu      sync.Mutex
				acked   []Todo // what each acknowledged update returned
				deleted int    // the version the acknowledged delete named
				early   bool   // whether it was acknowledged while writers ran
				stop    atomic.Bool
			)
			var wg, writing sync.WaitGroup
			for w := range writers {
				writing.Go(func() {
					for a := range attempts {
						cur, err := s.Get(ctx, orig.ID)
						if errors.Is(err, ErrNotFound) {
							return
						} else if err != nil {
							t.Errorf("writer %d: Get: %v", w, err)
							return
						}
						check("Get", cur)
						m := fmt.Sprintf("g%d-a%d", w, a)
						got, err := s.Update(ctx, orig.ID, Patch{
							Title: ptr("t-" + m), Memo: ptr("m-" + m),
							Priority: ptr(wholePriority(m)), Completed: ptr(wholeCompleted(m)),
							Version: cur.Version,
						})
						switch {
						case err == nil:
							check("Update", got)
							if got.Version != cur.Version+1 || got.Title != "t-"+m {
								t.Errorf("writer %d: Update of version %d returned %+v", w, cur.Version, got)
							}
							mu.Lock()
							acked = append(acked, got)
							mu.Unlock()
						case errors.Is(err, ErrNotFound):
							return
						case !errors.Is(err, ErrConflict):
							t.Errorf("writer %d: Update: %v", w, err)
							return
						}
					}
				})
			}
			if withDelete {
				wg.Go(func() {
					staleTried := false
					for i := 0; i < 10_000; i++ {
						cur, err := s.Get(ctx, orig.ID)
						if err != nil {
							t.Errorf("deleter: Get: %v", err)
							return
						}
						check("Get", cur)
						if cur.Version <= writers && !stop.Load() { // version 1 is the create: wait for writers updates
							continue // let the writers get going
						}
						if !staleTried {
							staleTried = true
							if err := s.Delete(ctx, orig.ID, 1); !errors.Is(err, ErrConflict) {
								t.Errorf("deleter: Delete of stale version 1 = %v, want ErrConflict", err)
							}
							continue
						}
						switch err := s.Delete(ctx, orig.ID, cur.Version); {
						case err == nil:
							mu.Lock()
							deleted, early = cur.Version, !stop.Load()
							mu.Unlock()
							return
						case !errors.Is(err, ErrConflict):
							t.Errorf("deleter: Delete: %v", err)
							return
						}
					}
					t.Errorf("deleter: never deleted")
				})
			}
			wg.Go(func() {
				for !stop.Load() {
					page, err := s.List(ctx, 10, "")
					if err != nil {
						t.Errorf("reader: List: %v", err)
						return
					}
					found, err := s.Search(ctx, "T-", MaxSearchLimit, "") // every title, ignoring case
					if err != nil {
						t.Errorf("reader: Search: %v", err)
						return
					}
					for _, got := range append(page.Items, found.Items...) {
						check("List or Search", got)
					}
				}
			})
			writing.Wait()
			stop.Store(true)
			wg.Wait()

			versions := make([]int, len(acked))
			for i, a := range acked {
				versions[i] = a.Version
			}
			slices.Sort(versions)
			for i, v := range versions {
				if v != i+2 {
					t.Fatalf("acknowledged versions %v, want exactly 2 … %d, each once", versions, len(acked)+1)
				}
			}
			if len(acked) < writers {
				t.Fatalf("only %d updates were acknowledged: the test did not contend", len(acked))
			}
			t.Logf("%d of %d updates acknowledged, the others conflicted or found the todo deleted; delete acknowledged at version %d (0: none), while writers ran: %v",
				len(acked), writers*attempts, deleted, early)
			final, err := s.Get(t.Context(), orig.ID)
			if withDelete {
				if deleted != len(acked)+1 || !errors.Is(err, ErrNotFound) || count(t, s, client) != 0 {
					t.Errorf("delete acknowledged at version %d, %d updates acknowledged, then Get: %v: want the delete at version %d and the todo gone",
						deleted, len(acked), err, len(acked)+1)
				}
				return
			}
			last := acked[slices.IndexFunc(acked, func(a Todo) bool { return a.Version == len(acked)+1 })]
			if err != nil || final != last {
				t.Errorf("final todo = %+v (%v), want the last acknowledged write %+v", final, err, last)
			}
		})
	}
}

// whole reports whether t's fields all come from one write: the first todo
// ("init") or one writer's attempt.
func whole(t Todo) bool {
	m, ok := strings.CutPrefix(t.Title, "t-")
	memo, ok2 := strings.CutPrefix(t.Memo, "m-")
	return ok && ok2 && m == memo && t.Priority == wholePriority(m) && t.Completed == wholeCompleted(m)
}

// wholePriority and wholeCompleted derive a write's other fields from its
// marker, so a todo mixing two writes shows it.
func wholePriority(marker string) int {
	sum := 0
	for _, c := range marker {
		sum += int(c)
	}
	return MinPriority + sum%(MaxPriority-MinPriority+1)
}

func wholeCompleted(marker string) bool { return len(marker)%2 == 0 }
