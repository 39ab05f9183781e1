package webapp

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

const (
	exampleComZoneID = "Z0123456789ABCDEFGHIJ"
	exampleNetZoneID = "Z0987654321ZYXWVUTSRQ"
)

func exampleNetZone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("NetZone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(exampleNetZoneID), ZoneName: jsii.String("example.net"),
	})
}

// severalNamesProps are the configuration "several-names": the main name
// www.example.com, the zone apex beside it, and a name in a zone of its own.
func severalNamesProps(stack awscdk.Stack) *Props {
	p := baseProps()
	p.DomainName, p.HostedZone = "www.example.com", exampleZone(stack)
	p.AlternateDomainNames = []string{"www.example.net", "example.com"}
	p.AlternateHostedZones = []awsroute53.IHostedZone{exampleNetZone(stack)}
	return &p
}

func TestSeveralNamesShareTheDistributionAndTheCertificate(t *testing.T) {
	tpl := config(t, "several-names").tpl
	if got, _ := json.Marshal(distributionConfig(t, tpl)["Aliases"]); string(got) != `["www.example.com","www.example.net","example.com"]` {
		t.Errorf("Aliases = %s, want the main name first, then the others in their order", got)
	}
	cdktest.Count(t, tpl, "AWS::CertificateManager::Certificate", 1)
	cdktest.Has(t, tpl, "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName":              "www.example.com",
		"SubjectAlternativeNames": []any{"example.com", "www.example.net"},
		"ValidationMethod":        "DNS",
		"DomainValidationOptions": []any{
			map[string]any{"DomainName": "www.example.com", "HostedZoneId": exampleComZoneID},
			map[string]any{"DomainName": "example.com", "HostedZoneId": exampleComZoneID},
			map[string]any{"DomainName": "www.example.net", "HostedZoneId": exampleNetZoneID},
		},
	})
}

func TestEachNameHasAliasRecordsInItsZone(t *testing.T) {
	tpl := config(t, "several-names").tpl
	cdktest.Count(t, tpl, "AWS::Route53::RecordSet", 6)
	for name, zone := range map[string]string{"www.example.com.": exampleComZoneID, "example.com.": exampleComZoneID, "www.example.net.": exampleNetZoneID} {
		for _, typ := range []string{"A", "AAAA"} {
			cdktest.Has(t, tpl, "AWS::Route53::RecordSet", map[string]any{
				"Name": name, "Type": typ, "HostedZoneId": zone,
				"AliasTarget": map[string]any{"DNSName": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"DomainName"})}},
			})
		}
	}
}

func TestViewerRequestRedirectsTheOtherNames(t *testing.T) {
	props := cdktest.Props(t, config(t, "several-names").tpl, "AWS::CloudFront::Function")
	code, _ := props["FunctionCode"].(string)
	for _, want := range []string{`var mainHost = "www.example.com";`, `var redirectHosts = ["www.example.net","example.com"];`, "statusCode: read ? 301 : 308", "x-forwarded-host"} {
		if !strings.Contains(code, want) {
			t.Errorf("function code does not contain %s:\n%s", want, code)
		}
	}
	if cfg := props["FunctionConfig"].(map[string]any); !strings.HasPrefix(fmt.Sprint(cfg["Comment"]), "Redirects the site's other names") {
		t.Errorf("function comment = %v, want it to say it redirects", cfg["Comment"])
	}
	// One name: the code and comment every site had before, so nothing is updated.
	one := cdktest.Props(t, config(t, "domain-us-east-1").tpl, "AWS::CloudFront::Function")
	if code, _ := one["FunctionCode"].(string); strings.Contains(code, "redirectHosts") {
		t.Errorf("with one name the function redirects:\n%s", code)
	}
}

// TestReorderingTheNamesReplacesNothing: the records are named after their
// names and the certificate's are sorted, so a list in another order keeps
// every logical id and the certificate as it is.
func TestReorderingTheNamesReplacesNothing(t *testing.T) {
	template := func(names ...string) map[string]any {
		stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
		})
		p := severalNamesProps(stack)
		p.AlternateDomainNames = names
		NewWebApp(stack, "Site", p)
		return (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)
	}
	a, b := template("www.example.net", "example.com"), template("example.com", "www.example.net")
	if ka, kb := slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b)); !slices.Equal(ka, kb) {
		t.Fatalf("logical ids differ with the names reordered:\n%v\n%v", ka, kb)
	}
	for id, r := range a {
		if r.(map[string]any)["Type"] != "AWS::CertificateManager::Certificate" {
			continue
		}
		ja, _ := json.Marshal(r)
		jb, _ := json.Marshal(b[id])
		if string(ja) != string(jb) {
			t.Errorf("certificate changes with the names reordered (CloudFormation would replace it):\n%s\n%s", ja, jb)
		}
	}
}

func TestDelegatedSubdomainGoesIntoItsOwnZone(t *testing.T) {
	stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	shop := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("ShopZone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("ZSHOP"), ZoneName: jsii.String("shop.example.com."),
	})
	p := baseProps()
	p.DomainName, p.HostedZone = "www.example.com", exampleZone(stack)
	p.AlternateDomainNames, p.AlternateHostedZones = []string{"www.shop.example.com"}, []awsroute53.IHostedZone{shop}
	NewWebApp(stack, "Site", &p)
	tpl := assertions.Template_FromStack(stack, nil)
	cdktest.CountMatching(t, tpl, "AWS::Route53::RecordSet", map[string]any{"Name": "www.shop.example.com.", "HostedZoneId": "ZSHOP"}, 2)
}

func TestSeveralNamesWithACertificateOfYourOwn(t *testing.T) {
	stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	p := baseProps()
	p.DomainName, p.Certificate = "www.example.com", importedCertificate(stack, "us-east-1")
	p.AlternateDomainNames = []string{"example.com"}
	NewWebApp(stack, "Site", &p)
	tpl := assertions.Template_FromStack(stack, nil)
	cdktest.Count(t, tpl, "AWS::Route53::RecordSet", 0) // DNS is yours without HostedZone
	if got, _ := json.Marshal(distributionConfig(t, tpl)["Aliases"]); string(got) != `["www.example.com","example.com"]` {
		t.Errorf("Aliases = %s, want both names", got)
	}
}

func TestWebAppFailsOnNamesThatCannotWork(t *testing.T) {
	orgZone := func(s awscdk.Stack) awsroute53.IHostedZone {
		return awsroute53.HostedZone_FromHostedZoneAttributes(s, jsii.String("OrgZone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String("ZORG"), ZoneName: jsii.String("example.org"),
		})
	}
	long := make([]string, 60)
	for i := range long {
		long[i] = fmt.Sprintf("%s.%s.n%02d.example.com", strings.Repeat("a", 60), strings.Repeat("b", 60), i)
	}
	tests := []struct {
		name string
		edit func(s awscdk.Stack, p *Props)
		want string
	}{
		{"MainNameMissing", func(_ awscdk.Stack, p *Props) { p.AlternateDomainNames = []string{"example.com"} },
			`webapp Test/Site: AlternateDomainNames is set but DomainName is empty: set DomainName to the main name, which the others redirect to`},
		{"Duplicates", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), []string{"example.com", "a.example.com", "example.com"}
		}, `webapp Test/Site: AlternateDomainNames entry "example.com" is listed twice`},
		{"MainNameListedAgain", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), []string{"www.example.com"}
		}, `webapp Test/Site: AlternateDomainNames entry "www.example.com" is DomainName: list only the other names, which redirect to it`},
		{"OutsideEveryZone", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), []string{"www.example.net"}
		}, `webapp Test/Site: AlternateDomainNames entry "www.example.net" is in none of the hosted zones (example.com): add its zone to AlternateHostedZones, or drop the name`},
		{"NotADNSName", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), []string{"*.example.com"}
		}, `webapp Test/Site: AlternateDomainNames entry "*.example.com" is not a valid lower-case DNS name`},
		{"ZoneWithoutNames", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateHostedZones = "www.example.com", exampleZone(s), []awsroute53.IHostedZone{orgZone(s)}
		}, `webapp Test/Site: AlternateHostedZones is set but AlternateDomainNames is empty`},
		{"ZoneHoldingNone", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), []string{"example.com"}
			p.AlternateHostedZones = []awsroute53.IHostedZone{orgZone(s)}
		}, `webapp Test/Site: AlternateHostedZones entry 0 (example.org) holds none of AlternateDomainNames: drop it`},
		{"ZonesWithoutHostedZone", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.Certificate, p.AlternateDomainNames = "www.example.com", importedCertificate(s, "us-east-1"), []string{"www.example.org"}
			p.AlternateHostedZones = []awsroute53.IHostedZone{orgZone(s)}
		}, `webapp Test/Site: AlternateHostedZones is set but HostedZone is empty`},
		{"FunctionTooLarge", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.AlternateDomainNames = "www.example.com", exampleZone(s), long
		}, `webapp Test/Site: AlternateDomainNames make the viewer-request function`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := newWebAppError(t, "us-east-1", tt.edit)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

func TestCertificateStackFailsOnNamesThatCannotWork(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	zoneStack := zonesStack(app)
	var msg string
	func() {
		defer func() { msg = fmt.Sprint(recover()) }()
		NewCertificateStack(app, "SiteCertificate", &CertificateStackProps{DomainName: "www.example.com", HostedZone: exampleZone(zoneStack),
			AlternateDomainNames: []string{"example.com", "example.com", "www.example.net"}})
	}()
	for _, want := range []string{
		`webapp SiteCertificate: AlternateDomainNames entry "example.com" is listed twice`,
		`webapp SiteCertificate: AlternateDomainNames entry "www.example.net" is in none of the hosted zones (example.com)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message = %q, want it to contain %q", msg, want)
		}
	}
}

func TestCertificateStackCoversEveryName(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	zoneStack := zonesStack(app)
	cert := NewCertificateStack(app, "SiteCertificate", &CertificateStackProps{DomainName: "www.example.com", HostedZone: exampleZone(zoneStack),
		AlternateDomainNames: []string{"www.example.net", "example.com"}, AlternateHostedZones: []awsroute53.IHostedZone{exampleNetZone(zoneStack)}})
	cdktest.Has(t, assertions.Template_FromStack(cert.Stack, nil), "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "www.example.com", "SubjectAlternativeNames": []any{"example.com", "www.example.net"},
		"DomainValidationOptions": assertions.Match_ArrayWith(&[]any{
			map[string]any{"DomainName": "www.example.net", "HostedZoneId": exampleNetZoneID},
		}),
	})
}

// zonesStack is a stack to import zones in, with a resource of its own so
// that it passes the validator.
func zonesStack(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("Zones"), nil)
	awscdk.NewCfnResource(stack, jsii.String("Placeholder"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::CloudFormation::WaitConditionHandle")})
	return stack
}

func TestStageReadsAlternateDomainNames(t *testing.T) {
	entry := map[string]any{"domainName": "www.example.com", "hostedZoneId": "Z1", "hostedZoneName": "example.com",
		"alternateDomainNames": []any{"example.com", "shop.example.com"}}
	for _, tt := range []struct {
		name    string
		context map[string]any
		want    []string
	}{
		{"FromTheEntry", map[string]any{"stage": "prod", "stages": map[string]any{"prod": entry}}, []string{"example.com", "shop.example.com"}},
		{"TopLevelCommaSeparatedOverridesTheEntry", map[string]any{"stage": "prod", "alternateDomainNames": " example.com , beta.example.com",
			"stages": map[string]any{"prod": entry}}, []string{"example.com", "beta.example.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StageFromContext(contextApp(tt.context))
			if err != nil || !slices.Equal(got.AlternateDomainNames, tt.want) {
				t.Errorf("StageFromContext = %+v, %v; want AlternateDomainNames %q", got, err, tt.want)
			}
		})
	}
	_, err := StageFromContext(contextApp(map[string]any{"stage": "dev", "stages": map[string]any{"dev": map[string]any{"alternateDomainNames": "example.com"}}}))
	if want := "context: stages.dev.alternateDomainNames: got string, want an array of strings"; err == nil || err.Error() != want {
		t.Errorf("StageFromContext = %v, want the error %q", err, want)
	}

	var open Props
	(&Stage{Name: "prod", StageSettings: StageSettings{AlternateDomainNames: []string{"example.com"}}}).Apply(&open)
	if !slices.Equal(open.AlternateDomainNames, []string{"example.com"}) {
		t.Errorf("Apply: AlternateDomainNames = %q, want the stage's", open.AlternateDomainNames)
	}
	given := Props{AlternateDomainNames: []string{}}
	(&Stage{Name: "prod", StageSettings: StageSettings{AlternateDomainNames: []string{"example.com"}}}).Apply(&given)
	if given.AlternateDomainNames == nil || len(given.AlternateDomainNames) != 0 {
		t.Errorf("Apply replaced the props' own empty AlternateDomainNames with %q", given.AlternateDomainNames)
	}
}

func TestStageReadsAlternateHostedZoneIds(t *testing.T) {
	dev := func(ids any) map[string]any {
		return map[string]any{"stage": "dev", "stages": map[string]any{"dev": map[string]any{"alternateHostedZoneIds": ids}}}
	}
	got, err := StageFromContext(contextApp(dev(map[string]any{"example.net": exampleNetZoneID})))
	if err != nil || got.AlternateHostedZoneIds["example.net"] != exampleNetZoneID {
		t.Errorf("StageFromContext = %+v, %v; want example.net's zone id", got, err)
	}
	for ids, want := range map[string]string{
		`{"example.net": ""}`: "context: stages.dev.alternateHostedZoneIds.example.net is empty: give the id of the zone example.net, such as Z0987654321ZYXWVUTSRQ",
		`["Z1"]`:              "context: stages.dev.alternateHostedZoneIds: got array, want an object of strings",
	} {
		var v any
		json.Unmarshal([]byte(ids), &v)
		if _, err := StageFromContext(contextApp(dev(v))); err == nil || err.Error() != want {
			t.Errorf("alternateHostedZoneIds %s: %v, want the error %q", ids, err, want)
		}
	}
}

// TestStageAlternateHostedZonesAreImported: by name order, with their ids.
func TestStageAlternateHostedZonesAreImported(t *testing.T) {
	stack := awscdk.NewStack(contextApp(nil), jsii.String("Test"), nil)
	stage := &Stage{Name: "v1", StageSettings: StageSettings{AlternateHostedZoneIds: map[string]string{"example.org.": "ZORG", "example.net": exampleNetZoneID}}}
	zones := stage.AlternateHostedZones(stack)
	if len(zones) != 2 || *zones[0].ZoneName() != "example.net" || *zones[1].ZoneName() != "example.org" || *zones[1].HostedZoneId() != "ZORG" {
		t.Fatalf("AlternateHostedZones = %v, want example.net then example.org", zones)
	}
	if zones := (&Stage{Name: "v1"}).AlternateHostedZones(stack); zones != nil {
		t.Errorf("AlternateHostedZones without ids = %v, want nil", zones)
	}
}

// TestStageCertificateCoversTheAlternateNames: a site outside us-east-1
// gets its certificate for every name, each validated in its zone, from the
// us-east-1 stack.
func TestStageCertificateCoversTheAlternateNames(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	site := awscdk.NewStack(app, jsii.String("Site"), &awscdk.StackProps{Env: &awscdk.Environment{
		Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1"),
	}})
	stage := &Stage{Name: "v1", StageSettings: StageSettings{DomainName: "www.example.com", HostedZoneId: exampleComZoneID, HostedZoneName: "example.com",
		AlternateDomainNames: []string{"example.com", "www.example.net"}, AlternateHostedZoneIds: map[string]string{"example.net": exampleNetZoneID}}}
	p := baseProps()
	stage.Apply(&p)
	p.HostedZone, p.AlternateHostedZones = stage.HostedZone(site), stage.AlternateHostedZones(site)
	p.Certificate = stage.Certificate(app, site, p.HostedZone)
	NewWebApp(site, "Site", &p)
	cdktest.Has(t, assertions.Template_FromStack(awscdk.Stack_Of(p.Certificate), nil), "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "www.example.com", "SubjectAlternativeNames": []any{"example.com", "www.example.net"},
		"DomainValidationOptions": assertions.Match_ArrayWith(&[]any{map[string]any{"DomainName": "www.example.net", "HostedZoneId": exampleNetZoneID}}),
	})
	siteTpl := assertions.Template_FromStack(site, nil)
	cdktest.Has(t, siteTpl, "AWS::CloudFront::Distribution", map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{"Aliases": []any{"www.example.com", "example.com", "www.example.net"}}),
	})
	cdktest.CountMatching(t, siteTpl, "AWS::Route53::RecordSet", map[string]any{"Name": "example.com.", "HostedZoneId": exampleComZoneID}, 2)
	cdktest.CountMatching(t, siteTpl, "AWS::Route53::RecordSet", map[string]any{"Name": "www.example.net.", "HostedZoneId": exampleNetZoneID}, 2)
}
