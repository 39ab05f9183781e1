package webapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StageSettings are one stage's own settings, from the context key "stages"
// (cdk.json), so that dev and prod differ in configuration, not in code. Zero
// values keep the construct's defaults, except ReservedConcurrency, which
// given as 0 stops the stage's function (a kill switch); -1
// (UnreservedConcurrency) reserves nothing. Stage.Apply says which prop each
// one sets.
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
	// Rollout is Props.Rollout as ParseRollout reads it: "allAtOnce",
	// "canary10:5" (10 % for 5 minutes), "linear10:1" (10 % more a minute).
	Rollout string `json:"rollout"`
	// AlarmEmail is subscribed to the site's alarm topic (Alarms.Email).
	AlarmEmail string `json:"alarmEmail"`
	// Waf puts an AWS WAF web ACL in front of the distribution (Stage.WebAcl).
	Waf bool `json:"waf"`
	// WafRateLimit is the ACL's WebAclProps.RateLimit: requests per client IP
	// in five minutes (default 2,000). Only with waf.
	WafRateLimit int `json:"wafRateLimit"`
	// AlternateDomainNames are the site's other names, which redirect to
	// DomainName (Props.AlternateDomainNames): in the stage's hosted zone,
	// or in one of AlternateHostedZones.
	AlternateDomainNames []string `json:"alternateDomainNames"`
	// AlternateHostedZoneIds are the zones of the alternate names outside
	// the stage's hosted zone, by zone name: {"example.net":
	// "Z0987654321ZYXWVUTSRQ"} (Stage.AlternateHostedZones imports them).
	AlternateHostedZoneIds map[string]string `json:"alternateHostedZoneIds"`
}

// Stage is a stage's name and its settings.
type Stage struct {
	// Name is the API Gateway stage, and names the stage's stacks.
	Name string
	StageSettings
}

// logLevelEnv is the function's environment variable that Stage.Apply sets
// from LogLevel; the sample app's function reads it.
const logLevelEnv = "LOG_LEVEL"

// stackStagePattern: the stage names stacks, whose names allow letters,
// digits and '-' and must start with a letter or digit.
var stackStagePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,99}$`)

// StageFromContext reads the stage the way Chalice reads
// .chalice/config.json's stages: the context key "stage" names it (default
// DefaultStage), its entry in the context key "stages" gives its settings,
// and the top-level context keys domainName, hostedZoneId, hostedZoneName,
// alternateDomainNames (names separated by commas) and
// originSecretVersionId, when given (as with cdk -c key=value), override
// the entry's. A stage without an entry has the construct's defaults.
//
// It is strict, because a typo must not silently do nothing: an unknown
// setting, a value of the wrong type, a logLevel other than debug, info,
// warn or error, a stage name that cannot name a stack (letters, digits and
// '-', up to 100) and a hosted zone id without its name (or the other way
// round) are errors, which start with "context: " and name the key.
func StageFromContext(scope constructs.Construct) (*Stage, error) {
	node := scope.Node()
	name, err := contextString(node, "stage")
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = DefaultStage
	}
	if !stackStagePattern.MatchString(name) {
		return nil, fmt.Errorf("context: stage %q is invalid: it names the stage's stacks, so use letters, digits and '-' (up to 100, starting with a letter or digit)", name)
	}
	settings, err := parseStageSettings(node.TryGetContext(jsii.String("stages")), name)
	if err != nil {
		return nil, err
	}
	s := &Stage{Name: name, StageSettings: settings}
	overrides := []struct {
		key   string
		field *string
	}{
		{"domainName", &s.DomainName}, {"hostedZoneId", &s.HostedZoneId},
		{"hostedZoneName", &s.HostedZoneName}, {"originSecretVersionId", &s.OriginSecretVersionId},
	}
	for _, o := range overrides {
		v, err := contextString(node, o.key)
		if err != nil {
			return nil, err
		}
		if v != "" {
			*o.field = v
		}
	}
	alternates, err := contextString(node, "alternateDomainNames")
	if err != nil {
		return nil, err
	}
	if alternates != "" {
		s.AlternateDomainNames = nil
		for _, name := range strings.Split(alternates, ",") {
			s.AlternateDomainNames = append(s.AlternateDomainNames, strings.TrimSpace(name))
		}
	}
	s.HostedZoneName = strings.TrimSuffix(s.HostedZoneName, ".")
	if (s.HostedZoneId == "") != (s.HostedZoneName == "") {
		return nil, fmt.Errorf("context: hostedZoneId %q and hostedZoneName %q go together: give both or neither", s.HostedZoneId, s.HostedZoneName)
	}
	return s, nil
}

// contextString returns the context value of key, trimmed; empty when unset.
func contextString(node constructs.Node, key string) (string, error) {
	switch v := node.TryGetContext(jsii.String(key)).(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		return "", fmt.Errorf("context: %s must be a string, got %s", key, jsonKind(v))
	}
}

// parseStageSettings decodes stages[stage]; a stage without an entry gets
// the defaults.
func parseStageSettings(stages any, stage string) (StageSettings, error) {
	var s StageSettings
	if stages == nil {
		return s, nil
	}
	all, ok := stages.(map[string]any)
	if !ok {
		return s, fmt.Errorf("context: stages must be an object of stage names, got %s", jsonKind(stages))
	}
	entry, ok := all[stage]
	if !ok {
		return s, nil
	}
	if _, ok := entry.(map[string]any); !ok {
		return s, fmt.Errorf("context: stages.%s must be an object of settings, got %s", stage, jsonKind(entry))
	}
	raw, err := json.Marshal(entry)
	if err != nil {
		return s, fmt.Errorf("context: stages.%s: %v", stage, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return s, fmt.Errorf("context: stages.%s.%s: got %s, want %s", stage, typeErr.Field, typeErr.Value, jsonKindOf(typeErr.Type))
		}
		// encoding/json reports an unknown key only by this message.
		if unknown, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return s, fmt.Errorf("context: stages.%s: unknown setting %s: the settings are %s", stage, unknown, strings.Join(settingKeys(), ", "))
		}
		return s, fmt.Errorf("context: stages.%s: %s", stage, strings.TrimPrefix(err.Error(), "json: "))
	}
	switch s.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return s, fmt.Errorf("context: stages.%s.logLevel %q is not debug, info, warn or error", stage, s.LogLevel)
	}
	if s.Rollout != "" {
		if _, err := ParseRollout(s.Rollout); err != nil {
			return s, fmt.Errorf("context: stages.%s.rollout %v", stage, err)
		}
	}
	if err := checkAlternateHostedZoneIds(stage, s.AlternateHostedZoneIds); err != nil {
		return s, err
	}
	switch {
	case s.WafRateLimit != 0 && !s.Waf:
		return s, fmt.Errorf("context: stages.%s.wafRateLimit is set without waf: add \"waf\": true, or drop it", stage)
	case s.WafRateLimit != 0 && (s.WafRateLimit < MinWebAclRateLimit || s.WafRateLimit > MaxWebAclRateLimit):
		return s, fmt.Errorf("context: stages.%s.wafRateLimit %d is out of range: give the requests a client IP may send in five minutes, %d to %d",
			stage, s.WafRateLimit, MinWebAclRateLimit, MaxWebAclRateLimit)
	}
	return s, nil
}

// settingKeys are StageSettings' JSON keys, in declaration order.
func settingKeys() []string {
	t := reflect.TypeFor[StageSettings]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("json")
	}
	return keys
}

// jsonKind names the JSON type of a decoded context value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, int:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// jsonKindOf names the JSON value that a setting of type t takes.
func jsonKindOf(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array of strings"
	case reflect.Map:
		return "an object of strings"
	default:
		return "a string"
	}
}

// Apply puts the stage into p wherever p leaves a setting open: Stage (the
// stage's Name), DomainName, AlternateDomainNames, FunctionMemorySize, FunctionTimeout,
// ApiThrottleRateLimit, ApiThrottleBurstLimit, FunctionReservedConcurrency,
// AccessLogging, Tracing, OriginSecretVersionId, Rollout and Alarms.Email
// (from AlarmEmail, unless p's Alarms give a Topic), and LogLevel as the
// function's LOG_LEVEL in FunctionEnvironment. What p sets wins; p's
// FunctionEnvironment map is copied, not changed. The hosted zone is an
// imported construct: see HostedZone.
func (s *Stage) Apply(p *Props) {
	if p.Stage == "" {
		p.Stage = s.Name
	}
	if p.DomainName == "" {
		p.DomainName = s.DomainName
	}
	if p.AlternateDomainNames == nil {
		p.AlternateDomainNames = s.AlternateDomainNames
	}
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
	if p.Rollout == nil && s.Rollout != "" {
		p.Rollout, _ = ParseRollout(s.Rollout) // StageFromContext has parsed it
	}
	if s.AlarmEmail != "" && (p.Alarms == nil || p.Alarms.Email == "" && p.Alarms.Topic == nil) {
		alarms := AlarmOptions{}
		if p.Alarms != nil {
			alarms = *p.Alarms // a copy: the caller's options are not changed
		}
		alarms.Email = s.AlarmEmail
		p.Alarms = &alarms
	}
	if _, set := p.FunctionEnvironment[logLevelEnv]; s.LogLevel != "" && !set {
		env := maps.Clone(p.FunctionEnvironment)
		if env == nil {
			env = map[string]string{}
		}
		env[logLevelEnv] = s.LogLevel
		p.FunctionEnvironment = env
	}
}

// HostedZone imports the stage's hosted zone by its id and name, as the
// child "HostedZone" of scope, for Props.HostedZone. It looks nothing up, so
// synth needs no credentials. Nil when the stage names no zone.
func (s *Stage) HostedZone(scope constructs.Construct) awsroute53.IHostedZone {
	if s.HostedZoneId == "" {
		return nil
	}
	return awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(s.HostedZoneId),
		ZoneName:     jsii.String(s.HostedZoneName),
	})
}

// AlternateHostedZones imports the zones of AlternateHostedZoneIds, as
// children of scope, for Props.AlternateHostedZones, in the order of their
// names. Like HostedZone it looks nothing up. Nil when the stage has none.
func (s *Stage) AlternateHostedZones(scope constructs.Construct) []awsroute53.IHostedZone {
	return s.importAlternateHostedZones(scope, "AlternateHostedZone")
}

// importAlternateHostedZones imports each zone as the child prefix + a hash
// of its name.
func (s *Stage) importAlternateHostedZones(scope constructs.Construct, prefix string) []awsroute53.IHostedZone {
	var zones []awsroute53.IHostedZone
	for _, key := range slices.Sorted(maps.Keys(s.AlternateHostedZoneIds)) {
		name := strings.TrimSuffix(key, ".")
		zones = append(zones, awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String(prefix+domainHash(name)), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(s.AlternateHostedZoneIds[key]),
			ZoneName:     jsii.String(name),
		}))
	}
	return zones
}

// Certificate returns the certificate for the stage's DomainName and
// AlternateDomainNames when site, the stack the WebApp goes into, cannot
// hold it: CloudFront reads certificates only in us-east-1, so for a site
// in another region it adds
// NewCertificateStack to scope (the app, or the Stage that holds site), with
// the id of site followed by "-Certificate", in site's account, and returns
// its certificate for Props.Certificate.
//
// It returns nil when no such stack is needed: the stage has no domain, zone
// is nil, or site is in us-east-1 (the WebApp then creates the certificate
// itself), and also when site has no region at synth time (the WebApp then
// says that the domain needs one). zone validates the certificate; pass
// HostedZone's, an imported zone, whose id the certificate's stack uses as a
// literal, so that no reference goes back from it to site.
func (s *Stage) Certificate(scope constructs.Construct, site awscdk.Stack, zone awsroute53.IHostedZone) awscertificatemanager.ICertificate {
	region := *site.Region()
	if s.DomainName == "" || zone == nil || unresolved(region) || region == "us-east-1" {
		return nil
	}
	stack := NewCertificateStack(scope, *site.Node().Id()+"-Certificate", &CertificateStackProps{
		StackProps:           awscdk.StackProps{Env: &awscdk.Environment{Account: site.Account()}},
		DomainName:           s.DomainName,
		HostedZone:           zone,
		AlternateDomainNames: s.AlternateDomainNames,
		// Imported again, beside the site's own import of them: an import
		// is no resource, and its literal id keeps references out.
		AlternateHostedZones: s.importAlternateHostedZones(site, "CertificateAlternateHostedZone"),
	})
	return stack.Certificate
}
