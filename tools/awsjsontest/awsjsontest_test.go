package awsjsontest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// post sends a GetParameter signed over signedBody, with sentBody as the
// body, and returns the response's status and error type.
func post(t *testing.T, s *Server, signedBody, sentBody string) (int, string) {
	t.Helper()
	sign, err := http.NewRequest("POST", s.URL+"/", strings.NewReader(signedBody))
	if err != nil {
		t.Fatal(err)
	}
	sign.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sign.Header.Set("X-Amz-Target", TargetGetParameter)
	if err := v4.NewSigner().SignHTTP(context.Background(), TestCredentials(), sign, sha256Hex(signedBody), "ssm", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader(sentBody))
	req.Header = sign.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Type string `json:"__type"`
	}
	json.NewDecoder(resp.Body).Decode(&body) //nolint:errcheck // Type stays empty
	return resp.StatusCode, body.Type
}

func sha256Hex(s string) string { return hex.EncodeToString(sha256Sum(s)) }

func TestServerVerifiesTheSignatureOverTheBody(t *testing.T) {
	s := New(t)
	s.PutParameter("/a", Parameter{Value: "v"})
	signed := `{"Name":"/a","WithDecryption":true}`
	if status, typ := post(t, s, signed, signed); status != 200 {
		t.Fatalf("a correctly signed request got %d %s, want 200", status, typ)
	}
	tampered := `{"Name":"/b","WithDecryption":true}`
	if status, typ := post(t, s, signed, tampered); status != 403 || typ != "InvalidSignatureException" {
		t.Errorf("a request whose body differs from the signed one got %d %s, want 403 InvalidSignatureException", status, typ)
	}
	if reqs := s.Requests(); len(reqs) != 2 || !reqs[0].SignatureVerified || reqs[1].SignatureVerified {
		t.Errorf("requests = %+v, want the first verified and the second not", reqs)
	}
}

func TestServerAnswersCiphertextWithoutDecryption(t *testing.T) {
	s := New(t)
	s.PutParameter("/a", Parameter{Value: "plain"})
	got, aerr := s.getParameter(Request{Body: map[string]any{"Name": "/a"}})
	if aerr != nil {
		t.Fatal(aerr.Msg)
	}
	if v := got.(map[string]any)["Parameter"].(map[string]any)["Value"]; v == "plain" {
		t.Errorf("GetParameter without WithDecryption returned the plain value, want the ciphertext as SSM does")
	}
}
