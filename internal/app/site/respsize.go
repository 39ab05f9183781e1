package site

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// encodedSize returns an upper bound of the bytes body, of a text media
// type, takes in the response Lambda returns. The API Gateway adapter sends
// valid UTF-8 text as a JSON string, where encoding/json writes ", \ and
// line breaks as two bytes, <, >, & and the other control bytes as six
// (\u003c), and U+2028 and U+2029 (three bytes, the first 0xE2) as six; it
// base64-encodes anything else, 4 bytes for 3. The bound counts every 0xE2
// as a line separator's start: one pass, no allocation.
func encodedSize(body []byte) int {
	if !utf8.Valid(body) {
		return base64.StdEncoding.EncodedLen(len(body))
	}
	n := 2 // the quotes
	for _, c := range body {
		switch {
		case c == '"', c == '\\', c == '\n', c == '\r', c == '\t':
			n += 2
		case c == '<', c == '>', c == '&', c < 0x20:
			n += 6
		case c == 0xE2:
			n += 4
		default:
			n++
		}
	}
	return n
}

// checkSize refuses a response body that Lambda could not return.
func (s *server) checkSize(body []byte) error {
	if n := encodedSize(body); n > s.maxResp {
		return &apiError{
			Status:  http.StatusInternalServerError,
			Code:    "InternalServerError",
			Message: fmt.Sprintf("response too large: %d bytes once encoded for Lambda, over the limit of %d; ask for fewer todos (limit)", n, s.maxResp),
		}
	}
	return nil
}
