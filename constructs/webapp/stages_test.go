package webapp

import (
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// contextApp is an App with the given context only: reading the stage
// needs no synth and no feature flags.
func contextApp(context map[string]any) awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: &context})
}

func TestStageFromContext(t *testing.T) {
	zone := StageSettings{DomainName: "www.example.com", HostedZoneId: "Z1", HostedZoneName: "example.com"}
	tests := []struct {
		name    string
		context map[string]any
		want    Stage
	}{
		{"Defaults", nil, Stage{Name: DefaultStage}},
		{"TopLevelDomainWithTrailingDot", map[string]any{"stage": "prod", "domainName": "www.example.com", "hostedZoneId": "Z1", "hostedZoneName": "example.com."},
			Stage{Name: "prod", StageSettings: zone}},
		{"TheStagesEntry", map[string]any{"stage": "prod", "stages": map[string]any{
			"prod": map[string]any{"memorySize": 512, "timeoutSeconds": 20, "logLevel": "info", "throttleRateLimit": 2.5, "throttleBurstLimit": 5,
				"accessLogging": true, "tracing": true, "originSecretVersionId": "v-1",
				"domainName": "www.example.com", "hostedZoneId": "Z1", "hostedZoneName": "example.com"},
			"dev": map[string]any{"memorySize": 128},
		}}, Stage{Name: "prod", StageSettings: StageSettings{MemorySize: 512, TimeoutSeconds: 20, LogLevel: "info", ThrottleRateLimit: 2.5, ThrottleBurstLimit: 5,
			AccessLogging: true, Tracing: true, OriginSecretVersionId: "v-1",
			DomainName: "www.example.com", HostedZoneId: "Z1", HostedZoneName: "example.com"}}},
		{"TopLevelKeysOverrideTheEntry", map[string]any{"stage": "prod", "domainName": " beta.example.com ", "originSecretVersionId": "v-2", "stages": map[string]any{
			"prod": map[string]any{"domainName": "www.example.com", "hostedZoneId": "Z1", "hostedZoneName": "example.com", "originSecretVersionId": "v-1"},
		}}, Stage{Name: "prod", StageSettings: StageSettings{DomainName: "beta.example.com", HostedZoneId: "Z1", HostedZoneName: "example.com", OriginSecretVersionId: "v-2"}}},
		{"ReservedConcurrencyZeroIsAKillSwitch", map[string]any{"stage": "dev", "stages": map[string]any{"dev": map[string]any{"reservedConcurrency": 0}}},
			Stage{Name: "dev", StageSettings: StageSettings{ReservedConcurrency: new(0)}}},
		{"ReservedConcurrencyMinusOneIsUnreserved", map[string]any{"stage": "dev", "stages": map[string]any{"dev": map[string]any{"reservedConcurrency": -1}}},
			Stage{Name: "dev", StageSettings: StageSettings{ReservedConcurrency: new(UnreservedConcurrency)}}},
		{"AStageWithoutAnEntryHasTheDefaults", map[string]any{"stage": "qa", "stages": map[string]any{"dev": map[string]any{"memorySize": 128}}},
			Stage{Name: "qa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StageFromContext(contextApp(tt.context))
			if err != nil || !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("StageFromContext = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestStageFromContextFailsNamingTheKey(t *testing.T) {
	dev := func(settings any) map[string]any {
		return map[string]any{"stage": "dev", "stages": map[string]any{"dev": settings}}
	}
	tests := []struct {
		name    string
		context map[string]any
		want    string
	}{
		{"UnknownSetting", dev(map[string]any{"memory": 128}),
			`context: stages.dev: unknown setting "memory": the settings are domainName, hostedZoneId, hostedZoneName, memorySize, timeoutSeconds, logLevel, throttleRateLimit, throttleBurstLimit, reservedConcurrency, accessLogging, tracing, originSecretVersionId, rollout, alarmEmail, waf, wafRateLimit, alternateDomainNames, alternateHostedZoneIds`},
		{"WafRateLimitWithoutWaf", dev(map[string]any{"wafRateLimit": 500}), `context: stages.dev.wafRateLimit is set without waf: add "waf": true, or drop it`},
		{"WafRateLimitOutOfRange", dev(map[string]any{"waf": true, "wafRateLimit": 5}),
			`context: stages.dev.wafRateLimit 5 is out of range: give the requests a client IP may send in five minutes, 10 to 2000000000`},
		{"WafNotABoolean", dev(map[string]any{"waf": "yes"}), `context: stages.dev.waf: got string, want true or false`},
		{"BadRollout", dev(map[string]any{"rollout": "canary10"}),
			`context: stages.dev.rollout "canary10" is not allAtOnce, canaryP:M or linearP:M (P percent, M minutes), for example canary10:5`},
		{"WrongType", dev(map[string]any{"memorySize": "512"}), `context: stages.dev.memorySize: got string, want a whole number`},
		{"NotAWholeNumber", dev(map[string]any{"reservedConcurrency": 1.5}), `context: stages.dev.reservedConcurrency: got number 1.5, want a whole number`},
		{"BadLogLevel", dev(map[string]any{"logLevel": "verbose"}), `context: stages.dev.logLevel "verbose" is not debug, info, warn or error`},
		{"EntryNotAnObject", dev("big"), `context: stages.dev must be an object of settings, got a string`},
		{"StagesNotAnObject", map[string]any{"stages": []any{"dev"}}, `context: stages must be an object of stage names, got an array`},
		{"StageNotAStackName", map[string]any{"stage": "prod_2"},
			`context: stage "prod_2" is invalid: it names the stage's stacks, so use letters, digits and '-' (up to 100, starting with a letter or digit)`},
		{"TopLevelKeyNotAString", map[string]any{"hostedZoneId": 42}, `context: hostedZoneId must be a string, got a number`},
		{"ZoneIdWithoutName", map[string]any{"domainName": "www.example.com", "hostedZoneId": "Z1"},
			`context: hostedZoneId "Z1" and hostedZoneName "" go together: give both or neither`},
		{"ZoneNameInTheEntryWithoutId", dev(map[string]any{"hostedZoneName": "example.com"}),
			`context: hostedZoneId "" and hostedZoneName "example.com" go together: give both or neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StageFromContext(contextApp(tt.context))
			if err == nil || err.Error() != tt.want {
				t.Errorf("StageFromContext = %+v, %v; want the error %q", got, err, tt.want)
			}
		})
	}
}

// TestStageApplyFillsWhatPropsLeaveOpen: every setting reaches its prop, a
// prop that is set wins, and a zero reservation given is kept (the kill
// switch), while none given leaves the function unreserved.
func TestStageApplyFillsWhatPropsLeaveOpen(t *testing.T) {
	stage := Stage{Name: "prod", StageSettings: StageSettings{
		DomainName: "www.example.com", MemorySize: 512, TimeoutSeconds: 20, LogLevel: "info",
		ThrottleRateLimit: 50, ThrottleBurstLimit: 80, ReservedConcurrency: new(0),
		AccessLogging: true, Tracing: true, OriginSecretVersionId: "v-1", Rollout: "canary10:5",
		AlarmEmail: "oncall@example.com",
	}}
	var open Props
	stage.Apply(&open)
	if got := *open.FunctionTimeout.ToSeconds(nil); got != 20 {
		t.Errorf("FunctionTimeout = %gs, want 20s", got)
	}
	open.FunctionTimeout = nil
	if r := open.Rollout; r == nil || r.Type != RolloutCanary || r.Percentage != 10 || *r.Interval.ToMinutes(nil) != 5 {
		t.Errorf("Rollout = %+v, want a canary of 10 %% for 5 minutes", r)
	}
	open.Rollout = nil
	if open.Alarms == nil || open.Alarms.Email != "oncall@example.com" {
		t.Errorf("Alarms = %+v, want the stage's e-mail", open.Alarms)
	}
	open.Alarms = nil
	want := Props{
		Stage: "prod", DomainName: "www.example.com", FunctionMemorySize: 512,
		ApiThrottleRateLimit: 50, ApiThrottleBurstLimit: 80, FunctionReservedConcurrency: new(0),
		AccessLogging: true, Tracing: true, OriginSecretVersionId: "v-1",
		FunctionEnvironment: map[string]string{"LOG_LEVEL": "info"},
	}
	if !reflect.DeepEqual(open, want) {
		t.Errorf("Apply to empty props = %+v, want %+v", open, want)
	}

	callersEnv := map[string]string{"TABLE": "todos"}
	given := Props{
		Stage: "blue", DomainName: "blue.example.com", FunctionMemorySize: 1024, FunctionTimeout: awscdk.Duration_Seconds(jsii.Number(5)),
		ApiThrottleRateLimit: 1, ApiThrottleBurstLimit: 2, FunctionReservedConcurrency: new(5), OriginSecretVersionId: "v-9",
		FunctionEnvironment: callersEnv,
	}
	stage.Apply(&given)
	if given.Stage != "blue" || given.DomainName != "blue.example.com" || given.FunctionMemorySize != 1024 ||
		*given.FunctionTimeout.ToSeconds(nil) != 5 || given.ApiThrottleRateLimit != 1 || given.ApiThrottleBurstLimit != 2 ||
		*given.FunctionReservedConcurrency != 5 || given.OriginSecretVersionId != "v-9" {
		t.Errorf("Apply changed a prop that was set: %+v", given)
	}
	if want := map[string]string{"TABLE": "todos", "LOG_LEVEL": "info"}; !reflect.DeepEqual(given.FunctionEnvironment, want) {
		t.Errorf("FunctionEnvironment = %v, want %v", given.FunctionEnvironment, want)
	}
	if _, changed := callersEnv["LOG_LEVEL"]; changed {
		t.Error("Apply wrote LOG_LEVEL into the caller's map instead of a copy")
	}

	ownLevel := Props{FunctionEnvironment: map[string]string{"LOG_LEVEL": "debug"}}
	stage.Apply(&ownLevel)
	if got := ownLevel.FunctionEnvironment["LOG_LEVEL"]; got != "debug" {
		t.Errorf("LOG_LEVEL = %q, want the props' debug", got)
	}

	var none Props
	(&Stage{Name: "dev"}).Apply(&none)
	if none.FunctionReservedConcurrency != nil || none.FunctionEnvironment != nil || none.FunctionTimeout != nil {
		t.Errorf("a stage without settings set %+v, want only Stage", none)
	}
}

// TestStageHostedZoneIsImported: the zone is the child "HostedZone" with the
// stage's id and name.
func TestStageHostedZoneIsImported(t *testing.T) {
	app := contextApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: &awscdk.Environment{
		Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1"),
	}})
	if zone := (&Stage{Name: "v1"}).HostedZone(stack); zone != nil {
		t.Errorf("HostedZone without a zone = %v, want nil", zone)
	}
	zone := (&Stage{Name: "v1", StageSettings: StageSettings{HostedZoneId: "Z1", HostedZoneName: "example.com"}}).HostedZone(stack)
	if zone == nil {
		t.Fatal("HostedZone = nil, want the imported zone")
	}
	if got := *zone.Node().Path(); got != "Test/HostedZone" {
		t.Errorf("zone path = %s, want Test/HostedZone", got)
	}
	if *zone.HostedZoneId() != "Z1" || *zone.ZoneName() != "example.com" {
		t.Errorf("zone = %s %s, want Z1 example.com", *zone.HostedZoneId(), *zone.ZoneName())
	}
}

// TestStageCertificateOnlyWhereTheSiteCannotHoldIt: a us-east-1 stack with
// the certificate beside a site elsewhere, which the site then uses; nil
// where the construct creates the certificate itself or cannot tell.
func TestStageCertificateOnlyWhereTheSiteCannotHoldIt(t *testing.T) {
	domain := StageSettings{DomainName: "www.example.com", HostedZoneId: "Z0123456789ABCDEFGHIJ", HostedZoneName: "example.com"}
	for _, tt := range []struct {
		name     string
		region   string // "" for an environment-agnostic stack
		settings StageSettings
	}{
		{"InUsEast1", "us-east-1", domain},
		{"WithoutDomain", "eu-west-1", StageSettings{}},
		{"WithoutRegion", "", domain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := cdktest.NewApp(t, nil)
			var env *awscdk.Environment
			if tt.region != "" {
				env = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(tt.region)}
			}
			site := awscdk.NewStack(app, jsii.String("Site"), &awscdk.StackProps{Env: env})
			stage := &Stage{Name: "v1", StageSettings: tt.settings}
			if cert := stage.Certificate(app, site, stage.HostedZone(site)); cert != nil {
				t.Errorf("Certificate = %v, want nil", cert)
			}
			if n := len(*app.Node().Children()); n != 1 {
				t.Errorf("the app has %d stacks, want only the site's", n)
			}
		})
	}

	app := cdktest.NewApp(t, nil)
	site := awscdk.NewStack(app, jsii.String("Site"), &awscdk.StackProps{Env: &awscdk.Environment{
		Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1"),
	}})
	stage := &Stage{Name: "v1", StageSettings: domain}
	p := baseProps()
	stage.Apply(&p)
	p.HostedZone = stage.HostedZone(site)
	p.Certificate = stage.Certificate(app, site, p.HostedZone)
	if p.Certificate == nil {
		t.Fatal("Certificate = nil for a site in eu-west-1, want one from us-east-1")
	}
	certStack := awscdk.Stack_Of(p.Certificate)
	if *certStack.Node().Id() != "Site-Certificate" || *certStack.Region() != "us-east-1" || *certStack.Account() != "123456789012" {
		t.Errorf("certificate stack %s in %s/%s, want Site-Certificate in 123456789012/us-east-1",
			*certStack.Node().Id(), *certStack.Account(), *certStack.Region())
	}
	NewWebApp(site, "Site", &p)
	cdktest.Has(t, assertions.Template_FromStack(certStack, nil), "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "www.example.com", "DomainValidationOptions": []any{map[string]any{"DomainName": "www.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ"}},
	})
	siteTpl := assertions.Template_FromStack(site, nil)
	cdktest.Count(t, siteTpl, "AWS::CertificateManager::Certificate", 0)
	cdktest.Has(t, siteTpl, "AWS::CloudFront::Distribution", map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{"Aliases": []any{"www.example.com"}}),
	})
}
