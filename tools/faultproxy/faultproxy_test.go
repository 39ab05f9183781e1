package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFaults sends requests through each fault to a server that counts
// them: what the client sees, and whether the server acted.
func TestFaults(t *testing.T) {
	var served atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, "ok")
	}))
	defer upstream.Close()
	p, err := Start(upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// No keep-alive: a connection that Set closed is never reused.
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	send := func(target string) (*http.Response, string, error) {
		req, _ := http.NewRequest("POST", p.Endpoint, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body), nil
	}

	tests := []struct {
		fault  Fault
		target string
		status int // 0: the client gets no answer
		body   string
		acted  bool
	}{
		{Pass(), "GetItem", 200, "ok", true},
		{Delay(100 * time.Millisecond), "GetItem", 200, "ok", true},
		{Delay(time.Second), "GetItem", 0, "", false},
		{Drop(), "GetItem", 0, "", false},
		{Reset(), "GetItem", 0, "", false},
		{Throttle("ThrottlingException"), "GetItem", 400, `"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"`, false},
		{LoseReplies(), "PutItem", 0, "", true},
		{LoseReplies("PutItem"), "PutItem", 0, "", true},
		{LoseReplies("PutItem"), "GetItem", 200, "ok", true},
		{LoseFirstReply("PutItem"), "PutItem", 0, "", true},
	}
	for _, tt := range tests {
		p.Set(tt.fault)
		before := served.Load()
		resp, body, err := send(tt.target)
		switch {
		case tt.status == 0 && err == nil:
			t.Errorf("%v, %s: got %d %s, want no answer", tt.fault, tt.target, resp.StatusCode, body)
		case tt.status != 0 && err != nil:
			t.Errorf("%v, %s: %v, want %d", tt.fault, tt.target, err, tt.status)
		case tt.status != 0 && (resp.StatusCode != tt.status || !strings.Contains(body, tt.body)):
			t.Errorf("%v, %s: got %d %s, want %d %s", tt.fault, tt.target, resp.StatusCode, body, tt.status, tt.body)
		}
		time.Sleep(20 * time.Millisecond) // let a delayed request land before counting
		if acted := served.Load() > before; acted != tt.acted && tt.fault.kind != delay {
			t.Errorf("%v, %s: server acted %v, want %v", tt.fault, tt.target, acted, tt.acted)
		}
	}

	// LoseFirstReply loses one answer only: the next gets through.
	p.Set(LoseFirstReply("PutItem"))
	send("PutItem")
	if resp, _, err := send("PutItem"); err != nil || resp.StatusCode != 200 {
		t.Errorf("second PutItem after LoseFirstReply: %v, %v; want 200", resp, err)
	}
}
