package localsite

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// dataMaps are the event's maps whose keys are data (header names, query
// names, …), not fields: they are compared as present, not key by key.
var dataMaps = map[string]bool{
	"headers": true, "multiValueHeaders": true, "queryStringParameters": true,
	"multiValueQueryStringParameters": true, "pathParameters": true, "stageVariables": true,
	"requestContext.authorizer": true,
}

// onlyInReference are fields of the reference event that an event of this
// API does not carry, and why.
var onlyInReference = map[string]string{
	"requestContext.authorizer": "API Gateway sends it only when an authorizer ran; the reference event had a custom authorizer",
}

// onlyInOurs are fields API Gateway sends today that the reference event,
// recorded in 2016, predates.
var onlyInOurs = map[string]string{
	"isBase64Encoded":                        "added with binary media type support",
	"requestContext.extendedRequestId":       "added in 2018",
	"requestContext.path":                    "added with custom domain base paths",
	"requestContext.protocol":                "added in 2018",
	"requestContext.deploymentId":            "sent by REST APIs since 2019",
	"requestContext.identity.principalOrgId": "added with AWS Organizations conditions",
}

// EventKeyDiff compares the JSON keys of an event with those of a
// reference event, recursively: it returns the keys the reference has and
// the event lacks, and the keys the event has and the reference lacks,
// each without the documented exceptions. Both empty means the event has
// the reference's shape field for field.
func EventKeyDiff(event, reference []byte) (missing, extra []string, err error) {
	var ev, ref any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, nil, fmt.Errorf("event: %w", err)
	}
	if err := json.Unmarshal(reference, &ref); err != nil {
		return nil, nil, fmt.Errorf("reference: %w", err)
	}
	got, want := map[string]bool{}, map[string]bool{}
	keyPaths(ev, "", got)
	keyPaths(ref, "", want)
	for k := range want {
		if !got[k] && onlyInReference[k] == "" {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] && onlyInOurs[k] == "" {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra, nil
}

func keyPaths(v any, prefix string, out map[string]bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, e := range m {
		p := strings.TrimPrefix(prefix+"."+k, ".")
		out[p] = true
		if !dataMaps[p] {
			keyPaths(e, p, out)
		}
	}
}
