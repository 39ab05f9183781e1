package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func load(t *testing.T) (*Assembly, *Stack) {
	t.Helper()
	a, err := Load("testdata/cdk.out")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := a.Stack("App")
	if !ok {
		t.Fatal("no stack App")
	}
	return a, s
}

func TestLoadReadsStacksNestedAssembliesAndAssets(t *testing.T) {
	a, _ := load(t)
	var got []string
	for _, s := range a.Stacks {
		got = append(got, fmt.Sprint(s.Name, " ", s.Account, " ", s.Region, " ", s.Partition(), " agnostic=", s.Agnostic))
	}
	want := []string{
		"App 111122223333 ap-northeast-1 aws agnostic=false",
		"Prod-App 444455556666 cn-north-1 aws-cn agnostic=false",
		"SharedStack 123456789012 us-east-1 aws agnostic=true", // environment-agnostic: the defaults
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stacks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	asset, ok := a.Asset("def.zip")
	if !ok || asset.Packaging != "file" || asset.Path != filepath.Join(a.Dir, "asset.def.zip") {
		t.Errorf("Asset(def.zip) = %+v, %v", asset, ok)
	}
	if _, ok := a.Asset("nope.zip"); ok {
		t.Error("Asset(nope.zip) found something")
	}
}

func TestLoadWithoutManifestIsErrNoAssembly(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	if !errors.Is(err, ErrNoAssembly) || !strings.Contains(err.Error(), dir+" (no manifest.json)") {
		t.Errorf("Load of an empty directory: %v, want ErrNoAssembly naming the directory", err)
	}
}

func TestEvalIntrinsics(t *testing.T) {
	_, s := load(t)
	apiID := mustString(t, s, `{"Ref": "Api"}`)
	tests := []struct{ expr, want string }{
		{`{"Ref": "Stage"}`, `"v1"`}, // a parameter, not the resource of the same name
		{`{"Ref": "Size"}`, `3`},
		{`{"Ref": "AWS::Region"}`, `"ap-northeast-1"`},
		{`{"Ref": "AWS::URLSuffix"}`, `"amazonaws.com"`},
		{`{"Fn::Join": ["-", ["a", {"Ref": "AWS::AccountId"}, 3]]}`, `"a-111122223333-3"`},
		{`{"Fn::Select": [1, {"Fn::Split": ["/", "https://host/path"]}]}`, `""`},
		{`{"Fn::Select": ["2", {"Fn::Split": ["/", "https://host/path"]}]}`, `"host"`},
		{`{"Fn::Sub": "${AWS::Region}-${Stage}-${!Literal}"}`, `"ap-northeast-1-v1-${Literal}"`},
		{`{"Fn::Sub": ["${A}/${Api}", {"A": {"Fn::Join": ["", ["x", "y"]]}}]}`, `"xy/` + apiID + `"`},
		{`{"Fn::Sub": "${NamedFn.Arn}"}`, `"arn:aws:lambda:ap-northeast-1:111122223333:function:App-named"`},
		{`{"Fn::If": ["V1AndNotProd", "yes", "no"]}`, `"yes"`},
		{`{"Fn::If": ["IsProd", "yes", {"Ref": "AWS::NoValue"}]}`, `null`},
		{`{"a": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "b": [1, {"Ref": "AWS::NoValue"}]}`, `{"b":[1]}`},
		{`{"Fn::If": ["Either", {"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Short"]}, "x"]}`, `"apne1"`},
		{`{"Fn::Base64": "hi"}`, `"aGk="`},
		{`{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`, `"ap-northeast-1a"`},
		{`{"Fn::ImportValue": "SharedStack-topic"}`, `"arn:aws:sns:us-east-1:123456789012:SharedStack-Topic-` + codeOf(t, "SharedStack", "Topic") + `"`},
		{`{"Fn::ToJsonString": {"k": [1]}}`, `"{\"k\":[1]}"`},
		{`{"Fn::Length": [1, 2, 3]}`, `3`},
		{`{"Fn::GetAtt": ["Stage", "StageName"]}`, `"local-Stage-StageName"`}, // unknown attributes get a named stand-in
		{`{"Ref": "Stage"}`, `"v1"`},
	}
	for _, tt := range tests {
		var expr any
		if err := json.Unmarshal([]byte(tt.expr), &expr); err != nil {
			t.Fatal(err)
		}
		v, err := s.Eval(expr)
		if err != nil {
			t.Errorf("Eval(%s): %v", tt.expr, err)
			continue
		}
		got, _ := json.Marshal(v)
		if string(got) != tt.want {
			t.Errorf("Eval(%s) = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func codeOf(t *testing.T, stack, id string) string {
	a, _ := load(t)
	s, _ := a.Stack(stack)
	return s.code(id, "name", 12, upper+digits)
}

func mustString(t *testing.T, s *Stack, expr string) string {
	t.Helper()
	var v any
	json.Unmarshal([]byte(expr), &v)
	str, err := s.String(v)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return str
}

func TestEvalErrorsSayWhatIsWrong(t *testing.T) {
	_, s := load(t)
	tests := []struct{ expr, want string }{
		{`{"Ref": "Nope"}`, "Ref: Nope is neither a parameter nor a resource of stack App"},
		{`{"Ref": "NoDefault"}`, "parameter NoDefault has no default"},
		{`{"Ref": "ProdOnly"}`, "ProdOnly is neither"}, // its condition is false: it does not exist
		{`{"Fn::Cidr": ["10.0.0.0/16", 2, 8]}`, "Fn::Cidr: not supported locally"},
		{`{"Fn::Select": [5, ["a"]]}`, "index 5 out of range"},
		{`{"Fn::ImportValue": "missing"}`, `no stack of the assembly exports "missing"`},
		{`{"Props": {"Inner": [{"Fn::GetAtt": ["Nope", "Arn"]}]}}`, "Props.Inner.[0].Fn::GetAtt: Nope is not a resource"},
	}
	for _, tt := range tests {
		var expr any
		json.Unmarshal([]byte(tt.expr), &expr)
		_, err := s.Eval(expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%s): error %v, want one containing %q", tt.expr, err, tt.want)
		}
	}
}

// TestStandInsAgreeAcrossExpressions checks that a value built one way
// equals the value another way gives, and leads back to its resource.
func TestStandInsAgreeAcrossExpressions(t *testing.T) {
	a, s := load(t)
	apiID := mustString(t, s, `{"Ref": "Api"}`)
	if !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(apiID) {
		t.Errorf("API id %q is not 10 lowercase letters and digits", apiID)
	}
	domain := mustString(t, s, `{"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::Join": ["", ["https://", {"Ref": "Api"}, ".execute-api.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/", {"Ref": "Stage"}, "/"]]}]}]}`)
	if domain != apiID+".execute-api.ap-northeast-1.amazonaws.com" {
		t.Errorf("the API origin's domain = %q", domain)
	}
	arn := mustString(t, s, `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":lambda:ap-northeast-1:111122223333:function:", {"Ref": "Fn"}]]}`)
	if arn != mustString(t, s, `{"Fn::GetAtt": ["Fn", "Arn"]}`) {
		t.Errorf("a joined ARN %q differs from Fn::GetAtt's", arn)
	}
	lookups := []struct{ value, typ, want string }{
		{arn, "AWS::Lambda::Function", "Fn"},
		{mustString(t, s, `{"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}`), "AWS::S3::Bucket", "Bucket"},
		{mustString(t, s, `{"Fn::GetAtt": ["Fun", "FunctionARN"]}`), "AWS::CloudFront::Function", "Fun"},
		{apiID, "AWS::ApiGateway::RestApi", "Api"},
	}
	for _, l := range lookups {
		if id, ok := s.Lookup(l.value, l.typ); !ok || id != l.want {
			t.Errorf("Lookup(%q, %s) = %q, %v; want %s", l.value, l.typ, id, ok, l.want)
		}
	}
	table := mustString(t, s, `{"Ref": "Table"}`)
	if !regexp.MustCompile(`^App-Table-[A-Z0-9]{12}$`).MatchString(table) {
		t.Errorf("the table's generated name %q is not stack-LogicalId-SUFFIX", table)
	}
	bucket := mustString(t, s, `{"Ref": "Bucket"}`)
	if bucket != strings.ToLower(bucket) {
		t.Errorf("bucket name %q is not lower case", bucket)
	}
	// Another load derives the same stand-ins.
	b, _ := Load(a.Dir)
	s2, _ := b.Stack("App")
	if mustString(t, s2, `{"Ref": "Table"}`) != table {
		t.Error("stand-ins differ between two loads of the assembly")
	}
}

func TestDynamicReferencesResolveToOneStandInPerSecret(t *testing.T) {
	_, s := load(t)
	arn := mustString(t, s, `{"Ref": "Generated"}`)
	byJoin := mustString(t, s, `{"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Generated"}, ":SecretString:::}}"]]}`)
	again := mustString(t, s, `{"Fn::Sub": "{{resolve:secretsmanager:${Generated}:SecretString:::}}"}`)
	if byJoin != again {
		t.Errorf("the same reference gave %q and %q", byJoin, again)
	}
	if !regexp.MustCompile(`^[a-z]{24}$`).MatchString(byJoin) {
		t.Errorf("generated secret %q: want 24 lowercase letters (PasswordLength 24, no uppercase, no numbers)", byJoin)
	}
	if strings.Contains(byJoin, arn) {
		t.Error("the secret's value contains its ARN")
	}
	tests := []struct{ expr, want string }{
		{`"{{resolve:secretsmanager:db-credentials:SecretString:username::}}"`, "admin"},
		{`{"Fn::Sub": "token={{resolve:secretsmanager:${Literal}:SecretString:token::}}"}`, "token=t0ken"},
		{`"{{resolve:secretsmanager:Literal:SecretString:n::}}"`, "7"},
		{`"{{resolve:ssm:/app/greeting}}"`, "hello"},
	}
	for _, tt := range tests {
		if got := mustString(t, s, tt.expr); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	password := mustString(t, s, `"{{resolve:secretsmanager:db-credentials:SecretString:password::}}"`)
	if len(password) != 32 {
		t.Errorf("generated password %q: want the default 32 characters", password)
	}
	unknown := mustString(t, s, `"{{resolve:ssm:/not/in/the/assembly}}"`)
	if !strings.HasPrefix(unknown, "local-") || unknown != mustString(t, s, `"{{resolve:ssm:/not/in/the/assembly}}"`) {
		t.Errorf("unknown parameter stand-in %q: want a stable local- value", unknown)
	}
	if refs := s.Assembly().DynamicReferences(); len(refs) < 5 {
		t.Errorf("DynamicReferences() = %v, want the ones resolved", refs)
	}
}

func TestConditionsDecideWhetherResourcesExist(t *testing.T) {
	_, s := load(t)
	if _, ok := s.Resource("ProdOnly"); ok {
		t.Error("ProdOnly exists though its condition IsProd is false")
	}
	if got := s.Resources("AWS::S3::Bucket"); len(got) != 1 || got[0] != "Bucket" {
		t.Errorf("buckets = %v, want [Bucket]", got)
	}
}
