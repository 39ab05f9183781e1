// Package faultproxy is a TCP proxy for tests that puts faults between a
// client and its server: answers delayed, connections that never answer,
// connections reset, requests refused with DynamoDB's throttling errors,
// and requests forwarded whose answers are lost. Tests point the DynamoDB
// client at Proxy.Endpoint instead of dynalite's, and set the fault.
package faultproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the proxy does to the connections it accepts.
type Fault struct {
	kind  kind
	delay time.Duration
	code  string
	ops   []string      // of loseReplies: the operations whose replies are lost; all if none
	left  *atomic.Int64 // of loseReplies: how many more to lose; nil for all
}

type kind int

const (
	pass kind = iota
	delay
	drop
	reset
	refuse
	loseReplies
)

// Pass forwards everything unchanged: no fault.
func Pass() Fault { return Fault{} }

// Delay forwards everything, holding each piece of a request for d first.
func Delay(d time.Duration) Fault { return Fault{kind: delay, delay: d} }

// Drop accepts connections and reads from them, and never answers: a
// server or a network that went silent.
func Drop() Fault { return Fault{kind: drop} }

// Reset accepts connections and resets them (TCP RST) as soon as the client
// sends something.
func Reset() Fault { return Fault{kind: reset} }

// Throttle answers every request with DynamoDB's HTTP 400 and the error code
// code, such as "ThrottlingException" or
// "ProvisionedThroughputExceededException", without forwarding it.
func Throttle(code string) Fault { return Fault{kind: refuse, code: code} }

// LoseReplies forwards requests, so the server acts on them, and throws its
// answers away: the client never learns that a write happened. With ops,
// DynamoDB operations such as "PutItem" (X-Amz-Target's tail), only the
// answers to those are lost, and the others pass. The connection of a lost
// answer then stays silent, as when the network fails after the server
// acted.
func LoseReplies(ops ...string) Fault { return Fault{kind: loseReplies, ops: ops} }

// LoseFirstReply is LoseReplies(op) for the first answer to op only: the
// client's retry, on a new connection, gets its answer.
func LoseFirstReply(op string) Fault {
	left := &atomic.Int64{}
	left.Store(1)
	return Fault{kind: loseReplies, ops: []string{op}, left: left}
}

func (f Fault) String() string {
	switch f.kind {
	case delay:
		return "delay " + f.delay.String()
	case drop:
		return "drop"
	case reset:
		return "reset"
	case refuse:
		return "throttle " + f.code
	case loseReplies:
		name := "lose replies"
		if f.left != nil {
			name = "lose first reply"
		}
		if len(f.ops) > 0 {
			name += " to " + strings.Join(f.ops, ",")
		}
		return name
	}
	return "pass"
}

// Proxy forwards the connections it accepts on Endpoint to its upstream,
// with the fault set last.
type Proxy struct {
	// Endpoint is its URL, http://127.0.0.1:PORT.
	Endpoint string

	upstream string
	ln       net.Listener
	mu       sync.Mutex
	fault    Fault
	conns    map[net.Conn]bool
	wg       sync.WaitGroup
}

// Start returns a proxy to upstream, a URL such as dynalite's endpoint,
// passing everything until a fault is set; Close stops it.
func Start(upstream string) (*Proxy, error) {
	host := strings.TrimPrefix(strings.TrimPrefix(upstream, "http://"), "https://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{Endpoint: "http://" + ln.Addr().String(), upstream: host, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	return p, nil
}

// Set makes f the fault of the connections accepted from now on, and closes
// those open, so that a client's next request, on a new connection, meets
// f rather than the fault its kept-alive connection was accepted with.
func (p *Proxy) Set(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
	for c := range p.conns {
		c.Close()
	}
}

// Close stops accepting, closes every connection and waits for them.
func (p *Proxy) Close() {
	p.ln.Close()
	p.Set(Pass())
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		f := p.fault
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Go(func() {
			defer func() {
				p.mu.Lock()
				delete(p.conns, c)
				p.mu.Unlock()
				c.Close()
			}()
			p.serve(c, f)
		})
	}
}

func (p *Proxy) serve(c net.Conn, f Fault) {
	switch f.kind {
	case drop:
		io.Copy(io.Discard, c)
		return
	case reset:
		c.Read(make([]byte, 1))
		c.(*net.TCPConn).SetLinger(0) // close sends RST, not FIN
		return
	case refuse:
		throttle(c, f.code)
		return
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, up)
		p.mu.Unlock()
	}()
	if f.kind == loseReplies && len(f.ops) > 0 {
		forwardLosing(c, up, f)
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		if f.kind == delay {
			copyDelayed(up, c, f.delay)
		} else {
			io.Copy(up, c)
		}
		done <- struct{}{}
	}()
	go func() {
		if f.kind == loseReplies {
			io.Copy(io.Discard, up)
		} else {
			io.Copy(c, up)
		}
		done <- struct{}{}
	}()
	<-done // either side closed: close both, which ends the other copy
	c.Close()
	up.Close()
	<-done
}

// copyDelayed copies src to dst, holding each read for d.
func copyDelayed(dst io.Writer, src io.Reader, d time.Duration) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			time.Sleep(d)
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// forwardLosing forwards the requests on c to up one at a time, and their
// answers back, except those f loses: after one, c stays silent until the
// client gives up on it.
func forwardLosing(c, up net.Conn, f Fault) {
	cr, ur := bufio.NewReader(c), bufio.NewReader(up)
	for {
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		if err := req.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(ur, req)
		if err != nil {
			return
		}
		if f.loses(req) {
			io.Copy(io.Discard, resp.Body)
			io.Copy(io.Discard, c) // silent until the client closes
			return
		}
		err = resp.Write(c)
		resp.Body.Close()
		if err != nil {
			return
		}
	}
}

// loses reports whether f throws away the answer to req, counting it.
func (f Fault) loses(req *http.Request) bool {
	_, op, _ := strings.Cut(req.Header.Get("X-Amz-Target"), ".")
	if len(f.ops) > 0 && !slices.Contains(f.ops, op) {
		return false
	}
	return f.left == nil || f.left.Add(-1) >= 0
}

// throttle answers each request on c as DynamoDB does when it throttles:
// HTTP 400 with the JSON error body whose __type names code.
func throttle(c net.Conn, code string) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
		body := fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"Rate of requests exceeds the allowed throughput."}`, code)
		_, err = fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amzn-Requestid: faultproxy\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		if err != nil {
			return
		}
	}
}
