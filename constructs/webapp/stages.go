package webapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// StageSettings are one stage's own settings, from cdk.json's context key
// "stages", so that dev and prod differ in configuration, not in code. Zero
// values keep the construct's defaults, except reservedConcurrency, which
// given as 0 stops the stage's function (a kill switch).
type StageSettings struct {
	DomainName            string  `json:"domainName"`
	HostedZoneId          string  `json:"hostedZoneId"`
	HostedZoneName        string  `json:"hostedZoneName"`
	MemorySize            int     `json:"memorySize"`
	TimeoutSeconds        int     `json:"timeoutSeconds"`
	LogLevel              string  `json:"logLevel"`
	ThrottleRateLimit     float64 `json:"throttleRateLimit"`
	ThrottleBurstLimit    int     `json:"throttleBurstLimit"`
	ReservedConcurrency   *int    `json:"reservedConcurrency"`
	AccessLogging         bool    `json:"accessLogging"`
	Tracing               bool    `json:"tracing"`
	OriginSecretVersionId string  `json:"originSecretVersionId"`
}

// ParseStageSettings decodes stages[stage]; a stage without an entry gets the
// defaults. Unknown keys are errors: a typo must not silently do nothing.
func ParseStageSettings(stages any, stage string) (StageSettings, error) {
	var s StageSettings
	if stages == nil {
		return s, nil
	}
	all, ok := stages.(map[string]any)
	if !ok {
		return s, fmt.Errorf("context: stages must be an object of stage names, got %T", stages)
	}
	entry, ok := all[stage]
	if !ok {
		return s, nil
	}
	raw, err := json.Marshal(entry)
	if err != nil {
		return s, fmt.Errorf("context: stages.%s: %v", stage, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("context: stages.%s: %v", stage, strings.TrimPrefix(err.Error(), "json: "))
	}
	switch s.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return s, fmt.Errorf("context: stages.%s.logLevel %q is not debug, info, warn or error", stage, s.LogLevel)
	}
	return s, nil
}

// Apply puts the settings into the construct's props, where the props leave
// them open.
func (s StageSettings) Apply(p *Props) {
	if p.FunctionMemorySize == 0 {
		p.FunctionMemorySize = s.MemorySize
	}
	if p.FunctionTimeout == nil && s.TimeoutSeconds != 0 {
		p.FunctionTimeout = awscdk.Duration_Seconds(jsii.Number(float64(s.TimeoutSeconds)))
	}
	if p.ApiThrottleRateLimit == 0 {
		p.ApiThrottleRateLimit = s.ThrottleRateLimit
	}
	if p.ApiThrottleBurstLimit == 0 {
		p.ApiThrottleBurstLimit = s.ThrottleBurstLimit
	}
	if p.FunctionReservedConcurrency == nil {
		p.FunctionReservedConcurrency = s.ReservedConcurrency
	}
	p.AccessLogging = p.AccessLogging || s.AccessLogging
	p.Tracing = p.Tracing || s.Tracing
	if p.OriginSecretVersionId == "" {
		p.OriginSecretVersionId = s.OriginSecretVersionId
	}
}
