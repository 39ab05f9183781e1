package assembly

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

const (
	lower  = "abcdefghijklmnopqrstuvwxyz"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits = "0123456789"
)

// code returns n characters of alphabet derived from the stack, the
// resource and salt: the same inputs give the same code on every run.
func (s *Stack) code(id, salt string, n int, alphabet string) string {
	sum := sha256.Sum256([]byte(s.Name + "/" + id + "/" + salt))
	x := new(big.Int).SetBytes(sum[:])
	base := big.NewInt(int64(len(alphabet)))
	out := make([]byte, n)
	mod := new(big.Int)
	for i := range out {
		x.DivMod(x, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return string(out)
}

func (s *Stack) uuid(id string) string {
	h := s.code(id, "uuid", 32, "0123456789abcdef")
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// name is the physical name the resource declares in prop, or the one
// CloudFormation would generate: stack-LogicalId-RANDOM, cut to max.
func (s *Stack) name(id, prop string, max int, lowercase bool) (string, error) {
	r := s.Template.Resources[id]
	if v, ok := r.Properties[prop]; ok && prop != "" {
		return s.String(v)
	}
	n := s.Name + "-" + id
	suffix := "-" + s.code(id, "name", 12, upper+digits)
	if len(n)+len(suffix) > max {
		n = n[:max-len(suffix)]
	}
	n += suffix
	if lowercase {
		n = strings.ToLower(n)
	}
	return n, nil
}

func (s *Stack) arn(service, resource string) string {
	return "arn:" + s.Partition() + ":" + service + ":" + s.Region + ":" + s.Account + ":" + resource
}

// physicalID is what Ref gives for a resource: its name, id or ARN, as
// CloudFormation documents for the type.
func (s *Stack) physicalID(id string) (string, error) {
	r := s.Template.Resources[id]
	switch r.Type {
	case "AWS::ApiGateway::RestApi":
		return s.code(id, "api", 10, lower+digits), nil
	case "AWS::ApiGateway::Resource", "AWS::ApiGateway::Deployment":
		return s.code(id, "id", 6, lower+digits), nil
	case "AWS::ApiGateway::Stage":
		return s.String(r.Properties["StageName"])
	case "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::Authorizer":
		return s.code(id, "id", 10, lower+digits), nil
	case "AWS::Lambda::Function":
		return s.name(id, "FunctionName", 64, false)
	case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable":
		return s.name(id, "TableName", 255, false)
	case "AWS::S3::Bucket":
		return s.name(id, "BucketName", 63, true)
	case "AWS::Logs::LogGroup":
		return s.name(id, "LogGroupName", 512, false)
	case "AWS::IAM::Role":
		return s.name(id, "RoleName", 64, false)
	case "AWS::SQS::Queue":
		n, err := s.name(id, "QueueName", 80, false)
		return "https://sqs." + s.Region + "." + s.URLSuffix() + "/" + s.Account + "/" + n, err
	case "AWS::SNS::Topic":
		n, err := s.name(id, "TopicName", 256, false)
		return s.arn("sns", n), err
	case "AWS::SSM::Parameter":
		return s.name(id, "Name", 2048, false)
	case "AWS::SecretsManager::Secret":
		n, err := s.name(id, "Name", 512, false)
		return s.arn("secretsmanager", "secret:"+n+"-"+s.code(id, "secret", 6, lower+upper)), err
	case "AWS::CloudFront::Distribution", "AWS::CloudFront::CloudFrontOriginAccessIdentity":
		return "E" + s.code(id, "id", 13, upper+digits), nil
	case "AWS::CloudFront::OriginAccessControl":
		return "E" + s.code(id, "id", 13, upper+digits), nil
	case "AWS::CloudFront::Function":
		return s.attributeString(id, "FunctionARN")
	case "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::OriginRequestPolicy", "AWS::CloudFront::CachePolicy":
		return s.uuid(id), nil
	case "AWS::Lambda::Permission", "AWS::IAM::Policy", "AWS::S3::BucketPolicy":
		return s.Name + "-" + id + "-" + s.code(id, "name", 12, upper+digits), nil
	}
	return s.Name + "-" + id + "-" + s.code(id, "name", 12, upper+digits), nil
}

func (s *Stack) attributeString(id, attr string) (string, error) {
	v, err := s.attribute(id, attr)
	if err != nil {
		return "", err
	}
	return scalarString(v)
}

// attribute is what Fn::GetAtt gives. Attributes this package does not
// know get a stand-in string that names them.
func (s *Stack) attribute(id, attr string) (any, error) {
	r, ok := s.Resource(id)
	if !ok {
		return nil, fmt.Errorf("%s is not a resource of stack %s", id, s.Name)
	}
	ref := func() (string, error) { return s.physicalID(id) }
	switch r.Type + "." + attr {
	case "AWS::ApiGateway::RestApi.RootResourceId":
		return s.code(id, "root", 10, lower+digits), nil
	case "AWS::ApiGateway::RestApi.RestApiId", "AWS::ApiGateway::ApiKey.APIKeyId", "AWS::ApiGateway::UsagePlan.Id":
		return ref()
	case "AWS::ApiGateway::Resource.ResourceId":
		return ref()
	case "AWS::Lambda::Function.Arn":
		n, err := ref()
		return s.arn("lambda", "function:"+n), err
	case "AWS::DynamoDB::Table.Arn", "AWS::DynamoDB::GlobalTable.Arn":
		n, err := ref()
		return s.arn("dynamodb", "table/"+n), err
	case "AWS::DynamoDB::Table.StreamArn":
		n, err := ref()
		return s.arn("dynamodb", "table/"+n+"/stream/1970-01-01T00:00:00.000"), err
	case "AWS::S3::Bucket.Arn":
		n, err := ref()
		return "arn:" + s.Partition() + ":s3:::" + n, err
	case "AWS::S3::Bucket.DomainName":
		n, err := ref()
		return n + ".s3." + s.URLSuffix(), err
	case "AWS::S3::Bucket.RegionalDomainName":
		n, err := ref()
		return n + ".s3." + s.Region + "." + s.URLSuffix(), err
	case "AWS::S3::Bucket.DualStackDomainName":
		n, err := ref()
		return n + ".s3.dualstack." + s.Region + "." + s.URLSuffix(), err
	case "AWS::S3::Bucket.WebsiteURL":
		n, err := ref()
		return "http://" + n + ".s3-website-" + s.Region + "." + s.URLSuffix(), err
	case "AWS::Logs::LogGroup.Arn":
		n, err := ref()
		return s.arn("logs", "log-group:"+n+":*"), err
	case "AWS::IAM::Role.Arn":
		n, err := ref()
		return "arn:" + s.Partition() + ":iam::" + s.Account + ":role/" + n, err
	case "AWS::SecretsManager::Secret.Id":
		return ref()
	case "AWS::SQS::Queue.Arn":
		n, err := s.name(id, "QueueName", 80, false)
		return s.arn("sqs", n), err
	case "AWS::CloudFront::Distribution.DomainName":
		return "d" + s.code(id, "domain", 13, lower+digits) + ".cloudfront.net", nil
	case "AWS::CloudFront::Distribution.Id", "AWS::CloudFront::CloudFrontOriginAccessIdentity.Id",
		"AWS::CloudFront::OriginAccessControl.Id":
		return ref()
	case "AWS::CloudFront::CloudFrontOriginAccessIdentity.S3CanonicalUserId":
		return s.code(id, "canonical", 64, "0123456789abcdef"), nil
	case "AWS::CloudFront::Function.FunctionARN", "AWS::CloudFront::Function.FunctionMetadata.FunctionARN":
		n, err := s.name(id, "Name", 64, false)
		return "arn:" + s.Partition() + ":cloudfront::" + s.Account + ":function/" + n, err
	case "AWS::CloudFront::Function.Stage":
		return "LIVE", nil
	case "AWS::CloudFront::ResponseHeadersPolicy.Id", "AWS::CloudFront::OriginRequestPolicy.Id", "AWS::CloudFront::CachePolicy.Id":
		return ref()
	}
	if strings.HasSuffix(attr, "Arn") {
		return s.arn("local", strings.ToLower(strings.TrimPrefix(r.Type, "AWS::"))+"/"+id), nil
	}
	return "local-" + id + "-" + attr, nil
}

// Lookup returns the logical id of the resource of one of the types whose
// Ref or a known attribute equals value: the table an environment variable
// names, the bucket behind an origin's domain name, the function behind an
// integration's ARN.
func (s *Stack) Lookup(value string, types ...string) (string, bool) {
	attrs := map[string][]string{
		"AWS::S3::Bucket":                        {"Arn", "DomainName", "RegionalDomainName", "DualStackDomainName"},
		"AWS::Lambda::Function":                  {"Arn"},
		"AWS::DynamoDB::Table":                   {"Arn"},
		"AWS::CloudFront::Function":              {"FunctionARN"},
		"AWS::ApiGateway::RestApi":               {"RootResourceId"},
		"AWS::CloudFront::ResponseHeadersPolicy": {"Id"},
	}
	for _, typ := range types {
		for _, id := range s.Resources(typ) {
			if v, err := s.physicalID(id); err == nil && v == value {
				return id, true
			}
			for _, a := range attrs[typ] {
				if v, err := s.attributeString(id, a); err == nil && v == value {
					return id, true
				}
			}
		}
	}
	return "", false
}

var dynamicRef = regexp.MustCompile(`\{\{resolve:[a-z-]+:.*?\}\}`)

// replaceDynamic replaces the dynamic references in every string of v.
func (a *Assembly) replaceDynamic(s *Stack, v any) any {
	switch v := v.(type) {
	case string:
		if !strings.Contains(v, "{{resolve:") {
			return v
		}
		return dynamicRef.ReplaceAllStringFunc(v, func(ref string) string { return a.dynamicValue(s, ref) })
	case map[string]any:
		for k, e := range v {
			v[k] = a.replaceDynamic(s, e)
		}
	case []any:
		for i, e := range v {
			v[i] = a.replaceDynamic(s, e)
		}
	}
	return v
}

// DynamicReferences returns the dynamic references resolved so far and
// their stand-in values.
func (a *Assembly) DynamicReferences() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(a.dynamic))
	for k, v := range a.dynamic {
		out[k] = v
	}
	return out
}

// dynamicValue is the stand-in for a dynamic reference, the same for the
// same reference for the life of the assembly:
//   - a Secrets Manager secret of the assembly with a literal SecretString
//     gives that string (or its JSON key);
//   - one with GenerateSecretString gives a random string of its length and
//     character classes, put in its SecretStringTemplate under its
//     GenerateStringKey when it has one;
//   - an SSM parameter of the assembly with a literal Value gives that value;
//   - anything else a random "local-…" value.
func (a *Assembly) dynamicValue(s *Stack, ref string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.dynamic[ref]; ok {
		return v
	}
	v := a.standinFor(s, ref)
	a.dynamic[ref] = v
	return v
}

func (a *Assembly) standinFor(s *Stack, ref string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(ref, "{{resolve:"), "}}")
	service, key, _ := strings.Cut(body, ":")
	switch service {
	case "secretsmanager":
		id, jsonKey := key, ""
		if i := strings.Index(key, ":SecretString:"); i >= 0 {
			id = key[:i]
			jsonKey, _, _ = strings.Cut(key[i+len(":SecretString:"):], ":")
		}
		if st, logical, ok := a.findSecret(s, id); ok {
			if v, ok := st.secretValue(logical, jsonKey); ok {
				return v
			}
		}
	case "ssm":
		name, _, _ := strings.Cut(key, ":")
		for _, st := range a.Stacks {
			for _, logical := range st.Resources("AWS::SSM::Parameter") {
				n, err := st.physicalID(logical)
				if err != nil || n != name {
					continue
				}
				if v, err := st.String(st.Template.Resources[logical].Properties["Value"]); err == nil {
					return v
				}
			}
		}
	}
	return "local-" + randomString(24, lower+digits)
}

func (a *Assembly) findSecret(s *Stack, id string) (*Stack, string, bool) {
	stacks := append([]*Stack{s}, a.Stacks...)
	for _, st := range stacks {
		for _, logical := range st.Resources("AWS::SecretsManager::Secret") {
			arn, err := st.physicalID(logical)
			if err != nil {
				continue
			}
			name, _ := st.name(logical, "Name", 512, false)
			if id == arn || id == name || id == logical {
				return st, logical, true
			}
		}
	}
	return nil, "", false
}

// secretValue is the stand-in value of a secret of this stack.
func (s *Stack) secretValue(logical, jsonKey string) (string, bool) {
	props := s.Template.Resources[logical].Properties
	var value string
	if v, ok := props["SecretString"]; ok {
		str, err := s.String(v)
		if err != nil {
			return "", false
		}
		value = str
	} else {
		var gen struct {
			PasswordLength          *int
			ExcludeCharacters       string
			ExcludeLowercase        bool
			ExcludeUppercase        bool
			ExcludeNumbers          bool
			SecretStringTemplate    string
			GenerateStringKey       string
			RequireEachIncludedType bool
		}
		if err := s.Decode(props["GenerateSecretString"], &gen); err != nil {
			return "", false
		}
		alphabet := ""
		for _, c := range []struct {
			chars   string
			exclude bool
		}{{lower, gen.ExcludeLowercase}, {upper, gen.ExcludeUppercase}, {digits, gen.ExcludeNumbers}} {
			if !c.exclude {
				alphabet += c.chars
			}
		}
		alphabet = strings.Map(func(r rune) rune {
			if strings.ContainsRune(gen.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, alphabet)
		if alphabet == "" {
			alphabet = lower
		}
		n := 32
		if gen.PasswordLength != nil && *gen.PasswordLength > 0 {
			n = *gen.PasswordLength
		}
		value = randomString(n, alphabet)
		if gen.SecretStringTemplate != "" && gen.GenerateStringKey != "" {
			var m map[string]any
			if json.Unmarshal([]byte(gen.SecretStringTemplate), &m) == nil {
				m[gen.GenerateStringKey] = value
				b, _ := json.Marshal(m)
				value = string(b)
			}
		}
	}
	if jsonKey == "" {
		return value, true
	}
	var m map[string]any
	if json.Unmarshal([]byte(value), &m) != nil {
		return "", false
	}
	v, err := scalarString(m[jsonKey])
	return v, err == nil
}

func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out)
}
