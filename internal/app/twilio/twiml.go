package twilio

import (
	"bytes"
	"encoding/xml"
	"net/http"
)

// TwiML's verbs, as much of them as the handlers say. encoding/xml writes
// them, so that a caller's words in a <Say> are escaped, never markup.
type (
	twimlResponse struct {
		XMLName xml.Name `xml:"Response"`
		Verbs   []any
	}
	say struct {
		XMLName xml.Name `xml:"Say"`
		// Voice must speak Language: Twilio's default voice, man, speaks
		// no Japanese, and an invalid pair fails the <Say>.
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	}
	gather struct {
		XMLName xml.Name `xml:"Gather"`
		// Input is what the caller may answer with: "speech dtmf".
		Input    string `xml:"input,attr"`
		Action   string `xml:"action,attr"`
		Method   string `xml:"method,attr"`
		Language string `xml:"language,attr"` // of the speech to recognize
		// Timeout is how many seconds Twilio waits for the first key or
		// word; SpeechTimeout "auto" ends the speech at a pause.
		Timeout       int    `xml:"timeout,attr"`
		SpeechTimeout string `xml:"speechTimeout,attr"`
		FinishOnKey   string `xml:"finishOnKey,attr"`
		Prompt        say
	}
	redirect struct {
		XMLName xml.Name `xml:"Redirect"`
		Method  string   `xml:"method,attr"`
		URL     string   `xml:",chardata"`
	}
)

// ContentType is what the handlers answer TwiML as.
const ContentType = "application/xml; charset=utf-8"

// writeTwiML answers 200 with the document of verbs.
func writeTwiML(w http.ResponseWriter, verbs ...any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(twimlResponse{Verbs: verbs}); err != nil {
		return err // a bug of ours: every verb is a struct above
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}
