package localsite

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gowebapp/webapp/internal/cli/assembly"
)

// Site is what the local site serves, derived from one stack's CloudFront
// distribution and everything it reaches.
type Site struct {
	Stack *assembly.Stack
	// DistributionID is the distribution's logical id.
	DistributionID string
	// DomainName is the distribution's stand-in domain (dxxxx.cloudfront.net).
	DomainName string
	// Behaviors are the cache behaviours in the order CloudFront tries them:
	// the path patterns in template order, then the default ("*").
	Behaviors []*Behavior
	// DefaultRootObject is the object a request for "/" gets, "" for none.
	DefaultRootObject string
	// ErrorResponses are the distribution's custom error responses.
	ErrorResponses []ErrorResponse
	// Functions are the Lambda functions behind the API origins, by logical id.
	Functions map[string]*Function
	// ViewerFunctions are the CloudFront Functions of the behaviours, by logical id.
	ViewerFunctions map[string]*ViewerFunction
	// Tables are the DynamoDB tables of the assembly's stacks.
	Tables []*Table
	// Warnings are the parts of the template the local site does not
	// emulate, to print at start.
	Warnings []string
}

// Behavior is a cache behaviour.
type Behavior struct {
	PathPattern          string // "*" for the default behaviour
	AllowedMethods       []string
	ViewerProtocolPolicy string
	Compress             bool
	Origin               *Origin
	Forward              forwarding       // what reaches the origin: cache policy ∪ origin request policy
	Cache                cacheRule        // the cache policy: key, TTLs, compression
	ResponseHeaders      *responseHeaders // nil without a policy
	ViewerRequest        *ViewerFunction
	ViewerResponse       *ViewerFunction
}

// Origin is an origin of the distribution.
type Origin struct {
	ID            string
	DomainName    string
	Path          string
	CustomHeaders [][2]string // name, value
	// One of these is set: the bucket behind an S3 origin, the REST API
	// behind an API Gateway origin; neither for an origin not emulated.
	Bucket *Bucket
	API    *RestAPI
}

// ErrorResponse is a custom error response of the distribution.
type ErrorResponse struct {
	ErrorCode        int
	ResponseCode     int
	ResponsePagePath string
	// CachingMinTTL is how long CloudFront keeps the error at least:
	// ErrorCachingMinTTL, CloudFront's 10 seconds when the template has none.
	CachingMinTTL time.Duration
}

// ViewerFunction is a CloudFront Function.
type ViewerFunction struct {
	LogicalID string
	Name      string
	Runtime   string
	Code      string
}

// Bucket is an S3 bucket with the objects its bucket deployments put in it.
type Bucket struct {
	LogicalID string
	Name      string
	Objects   map[string]*Object
	// ListAllowed is whether the bucket policy allows listing, which makes
	// a missing key a 404 NoSuchKey instead of a 403 AccessDenied.
	ListAllowed bool
	// Encryption is the x-amz-server-side-encryption S3 sends, "" for none.
	Encryption string
	// prunes are what the bucket's pruning deployments delete on a deploy
	// over an earlier one (Site.DeployOver).
	prunes []pruneRule
}

// Object is an object of a bucket as S3 would serve it.
type Object struct {
	Body         []byte
	ContentType  string
	ETag         string // quoted
	LastModified time.Time
	// Header has the object's other metadata headers: Cache-Control,
	// Content-Encoding, x-amz-meta-*, …
	Header http.Header
}

// RestAPI is an API Gateway REST API.
type RestAPI struct {
	LogicalID        string
	ID               string
	Domain           string // <id>.execute-api.<region>.amazonaws.com
	Region, Account  string
	BinaryMediaTypes []string
	Root             *APIResource
	Stages           map[string]*Stage
	Keys             []*APIKey
	// GatewayResponses customize API Gateway's own errors, by response
	// type (THROTTLED, DEFAULT_4XX, …).
	GatewayResponses map[string]*GatewayResponse
}

// GatewayResponse is how API Gateway answers one type of its own errors.
type GatewayResponse struct {
	// StatusCode replaces the type's status; 0 keeps it.
	StatusCode int
	// Headers are response parameters by header name: a quoted static
	// value ('text') or method.request.header.<name>.
	Headers map[string]string
	// Templates are the bodies by media type, with $context variables.
	Templates map[string]string
}

// APIResource is a resource of a REST API: a path part with its methods.
type APIResource struct {
	ID       string
	PathPart string // "" for the root
	Path     string // the resource path, e.g. "/{proxy+}"
	Children []*APIResource
	Methods  map[string]*Method // by HTTP method, "ANY" included
}

// Method is a method of a resource.
type Method struct {
	HTTPMethod        string
	AuthorizationType string
	APIKeyRequired    bool
	// Function is the Lambda function of an AWS_PROXY integration; nil for
	// other integrations, which are not emulated.
	Function        *Function
	IntegrationType string
}

// Stage is a deployment stage of a REST API.
type Stage struct {
	Name         string
	DeploymentID string
	Variables    map[string]string
	// RateLimit and BurstLimit throttle the whole stage; 0 for no limit.
	RateLimit  float64
	BurstLimit int
	// AccessLogFormat is the access log format, "" for no access log.
	AccessLogFormat string
}

// APIKey is an API key and the stages it may call.
type APIKey struct {
	ID, Value string
	Stages    map[string]bool // "<apiId>/<stage>"
}

// Function is a Lambda function.
type Function struct {
	LogicalID    string
	Name, ARN    string
	Runtime      string
	Handler      string
	Architecture string // arm64 or x86_64
	Timeout      time.Duration
	MemoryMB     int
	Environment  map[string]string
	LogGroup     string
	LogFormat    string
	Asset        assembly.FileAsset
	Layers       int
}

// Table is a DynamoDB table.
type Table struct {
	LogicalID string
	Name      string
	// Definition is the table's CloudFormation properties that CreateTable
	// shares: AttributeDefinitions, KeySchema, indexes, billing.
	Definition map[string]any
}

// flexBool and flexInt accept CloudFormation's habit of writing booleans
// and numbers as strings.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	v, err := strconv.ParseBool(s)
	*b = flexBool(v)
	return err
}

type flexInt int

func (n *flexInt) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	f, err := strconv.ParseFloat(s, 64)
	*n = flexInt(f)
	return err
}

type behaviorConfig struct {
	PathPattern             string
	TargetOriginId          string
	AllowedMethods          []string
	Compress                flexBool
	ViewerProtocolPolicy    string
	CachePolicyId           string
	OriginRequestPolicyId   string
	ResponseHeadersPolicyId string
	FunctionAssociations    []struct {
		EventType   string
		FunctionARN string
	}
	LambdaFunctionAssociations []json.RawMessage
	ForwardedValues            *struct {
		QueryString bool
		Headers     []string
		Cookies     struct {
			Forward          string
			WhitelistedNames []string
		}
	}
}

type originConfig struct {
	Id                  string
	DomainName          string
	OriginPath          string
	OriginCustomHeaders []struct{ HeaderName, HeaderValue string }
	S3OriginConfig      *json.RawMessage
	CustomOriginConfig  *json.RawMessage
}

// NewSite derives the site from the stack's distribution: distID is its
// logical id, or "" when the stack has exactly one.
func NewSite(stack *assembly.Stack, distID string) (*Site, error) {
	if distID == "" {
		ids := stack.Resources("AWS::CloudFront::Distribution")
		if len(ids) != 1 {
			return nil, fmt.Errorf("localsite: stack %s has %d CloudFront distributions: name one", stack.Name, len(ids))
		}
		distID = ids[0]
	}
	res, ok := stack.Resource(distID)
	if !ok || res.Type != "AWS::CloudFront::Distribution" {
		return nil, fmt.Errorf("localsite: stack %s has no distribution %s", stack.Name, distID)
	}
	d := &deriver{
		stack: stack,
		site: &Site{
			Stack:           stack,
			DistributionID:  distID,
			Functions:       map[string]*Function{},
			ViewerFunctions: map[string]*ViewerFunction{},
		},
		buckets: map[string]*Bucket{},
		apis:    map[string]*RestAPI{},
	}
	if err := d.distribution(res.Properties["DistributionConfig"]); err != nil {
		return nil, err
	}
	if err := d.tables(); err != nil {
		return nil, err
	}
	return d.site, nil
}

type deriver struct {
	stack   *assembly.Stack
	site    *Site
	buckets map[string]*Bucket  // by logical id
	apis    map[string]*RestAPI // by logical id
}

func (d *deriver) warn(format string, args ...any) {
	d.site.Warnings = append(d.site.Warnings, fmt.Sprintf(format, args...))
}

func (d *deriver) distribution(raw any) error {
	m, _ := raw.(map[string]any)
	var cfg struct {
		Origins              []originConfig
		DefaultCacheBehavior behaviorConfig
		CacheBehaviors       []behaviorConfig
		DefaultRootObject    string
		CustomErrorResponses []struct {
			ErrorCode          flexInt
			ResponseCode       flexInt
			ResponsePagePath   string
			ErrorCachingMinTTL *flexInt
		}
		OriginGroups json.RawMessage
	}
	// Only what routing needs is evaluated: the certificate, logging and
	// aliases may refer to what cannot be resolved locally.
	sub := map[string]any{}
	for _, k := range []string{"Origins", "DefaultCacheBehavior", "CacheBehaviors", "DefaultRootObject", "CustomErrorResponses", "OriginGroups"} {
		if v, ok := m[k]; ok {
			sub[k] = v
		}
	}
	if err := d.stack.Decode(sub, &cfg); err != nil {
		return fmt.Errorf("localsite: distribution %s: %w", d.site.DistributionID, err)
	}
	if len(cfg.OriginGroups) > 0 && string(cfg.OriginGroups) != "null" {
		d.warn("origin groups (failover) are not emulated: the primary origin always answers")
	}
	domain, err := d.stack.Eval(map[string]any{"Fn::GetAtt": []any{d.site.DistributionID, "DomainName"}})
	if err != nil {
		return err
	}
	d.site.DomainName, _ = domain.(string)
	d.site.DefaultRootObject = cfg.DefaultRootObject
	for _, e := range cfg.CustomErrorResponses {
		er := ErrorResponse{ErrorCode: int(e.ErrorCode), ResponseCode: int(e.ResponseCode), ResponsePagePath: e.ResponsePagePath, CachingMinTTL: defaultErrorCachingMinTTL}
		if e.ErrorCachingMinTTL != nil {
			er.CachingMinTTL = time.Duration(*e.ErrorCachingMinTTL) * time.Second
		}
		d.site.ErrorResponses = append(d.site.ErrorResponses, er)
	}

	origins := map[string]*Origin{}
	for _, oc := range cfg.Origins {
		o, err := d.origin(oc)
		if err != nil {
			return err
		}
		origins[o.ID] = o
	}
	all := append(cfg.CacheBehaviors, cfg.DefaultCacheBehavior)
	all[len(all)-1].PathPattern = "*"
	for _, bc := range all {
		b, err := d.behavior(bc, origins)
		if err != nil {
			return fmt.Errorf("localsite: behaviour %s: %w", bc.PathPattern, err)
		}
		d.site.Behaviors = append(d.site.Behaviors, b)
	}
	return nil
}

func (d *deriver) origin(oc originConfig) (*Origin, error) {
	o := &Origin{ID: oc.Id, DomainName: oc.DomainName, Path: strings.TrimSuffix(oc.OriginPath, "/")}
	for _, h := range oc.OriginCustomHeaders {
		o.CustomHeaders = append(o.CustomHeaders, [2]string{h.HeaderName, h.HeaderValue})
	}
	if id, ok := d.stack.Lookup(oc.DomainName, "AWS::S3::Bucket"); ok {
		b, err := d.bucket(id)
		if err != nil {
			return nil, err
		}
		o.Bucket = b
		return o, nil
	}
	if apiID, rest, ok := strings.Cut(oc.DomainName, ".execute-api."); ok && strings.HasPrefix(rest, d.stack.Region+".") {
		if id, ok := d.stack.Lookup(apiID, "AWS::ApiGateway::RestApi"); ok {
			api, err := d.restAPI(id)
			if err != nil {
				return nil, err
			}
			o.API = api
			return o, nil
		}
	}
	d.warn("origin %s (%s) is neither a bucket nor a REST API of stack %s: requests for it get a 502", oc.Id, oc.DomainName, d.stack.Name)
	return o, nil
}

func (d *deriver) behavior(bc behaviorConfig, origins map[string]*Origin) (*Behavior, error) {
	b := &Behavior{
		PathPattern:          bc.PathPattern,
		AllowedMethods:       bc.AllowedMethods,
		ViewerProtocolPolicy: bc.ViewerProtocolPolicy,
		Compress:             bool(bc.Compress),
		Origin:               origins[bc.TargetOriginId],
	}
	if len(b.AllowedMethods) == 0 {
		b.AllowedMethods = []string{"GET", "HEAD"}
	}
	if b.Origin == nil {
		return nil, fmt.Errorf("no origin %q", bc.TargetOriginId)
	}
	if len(bc.LambdaFunctionAssociations) > 0 {
		return nil, fmt.Errorf("Lambda@Edge associations are not emulated: use CloudFront Functions, or run without them")
	}
	var err error
	switch {
	case bc.CachePolicyId != "":
		if b.Cache, err = d.cachePolicy(bc.CachePolicyId); err != nil {
			return nil, err
		}
		b.Forward = b.Cache.key
	case bc.ForwardedValues != nil:
		fv := bc.ForwardedValues
		b.Forward.headers = list("whitelist", fv.Headers)
		if len(fv.Headers) == 1 && fv.Headers[0] == "*" {
			b.Forward.headers = list("allViewer", nil)
		}
		b.Forward.cookies = list(fv.Cookies.Forward, fv.Cookies.WhitelistedNames)
		if fv.QueryString {
			b.Forward.queries = list("all", nil)
		}
	}
	if bc.OriginRequestPolicyId != "" {
		orp, err := d.originRequestPolicy(bc.OriginRequestPolicyId)
		if err != nil {
			return nil, err
		}
		b.Forward = b.Forward.union(orp)
	}
	if bc.ResponseHeadersPolicyId != "" {
		if b.ResponseHeaders, err = d.responseHeadersPolicy(bc.ResponseHeadersPolicyId); err != nil {
			return nil, err
		}
	}
	for _, fa := range bc.FunctionAssociations {
		id, ok := d.stack.Lookup(fa.FunctionARN, "AWS::CloudFront::Function")
		if !ok {
			return nil, fmt.Errorf("CloudFront Function %s is not in stack %s", fa.FunctionARN, d.stack.Name)
		}
		f, err := d.viewerFunction(id)
		if err != nil {
			return nil, err
		}
		switch fa.EventType {
		case "viewer-request":
			b.ViewerRequest = f
		case "viewer-response":
			b.ViewerResponse = f
		default:
			return nil, fmt.Errorf("function event type %q is not emulated", fa.EventType)
		}
	}
	return b, nil
}

func (d *deriver) viewerFunction(id string) (*ViewerFunction, error) {
	if f, ok := d.site.ViewerFunctions[id]; ok {
		return f, nil
	}
	r, _ := d.stack.Resource(id)
	var p struct {
		Name           string
		FunctionCode   string
		FunctionConfig struct {
			Runtime                   string
			KeyValueStoreAssociations []json.RawMessage
		}
	}
	if err := d.stack.Decode(r.Properties, &p); err != nil {
		return nil, fmt.Errorf("CloudFront Function %s: %w", id, err)
	}
	if len(p.FunctionConfig.KeyValueStoreAssociations) > 0 {
		d.warn("CloudFront Function %s uses a KeyValueStore, which is not emulated: reading it fails", id)
	}
	f := &ViewerFunction{LogicalID: id, Name: p.Name, Runtime: p.FunctionConfig.Runtime, Code: p.FunctionCode}
	d.site.ViewerFunctions[id] = f
	return f, nil
}

func (d *deriver) bucket(id string) (*Bucket, error) {
	if b, ok := d.buckets[id]; ok {
		return b, nil
	}
	name, err := d.stack.String(map[string]any{"Ref": id})
	if err != nil {
		return nil, err
	}
	b := &Bucket{LogicalID: id, Name: name, Objects: map[string]*Object{}}
	var props struct {
		BucketEncryption struct {
			ServerSideEncryptionConfiguration []struct {
				ServerSideEncryptionByDefault struct{ SSEAlgorithm string }
			}
		}
	}
	r, _ := d.stack.Resource(id)
	if err := d.stack.Decode(map[string]any{"BucketEncryption": r.Properties["BucketEncryption"]}, &props); err == nil {
		if c := props.BucketEncryption.ServerSideEncryptionConfiguration; len(c) > 0 {
			b.Encryption = c[0].ServerSideEncryptionByDefault.SSEAlgorithm
		}
	}
	b.ListAllowed = d.bucketListAllowed(name)
	if err := d.deployments(b); err != nil {
		return nil, err
	}
	d.buckets[id] = b
	return b, nil
}

// bucketListAllowed reports whether a policy of the bucket allows some
// principal s3:ListBucket: then S3 tells a missing key (404 NoSuchKey)
// from a forbidden one; otherwise every missing key is 403 AccessDenied.
func (d *deriver) bucketListAllowed(name string) bool {
	for _, id := range d.stack.Resources("AWS::S3::BucketPolicy") {
		r, _ := d.stack.Resource(id)
		var p struct {
			Bucket         string
			PolicyDocument struct {
				Statement []struct {
					Effect string
					Action any
				}
			}
		}
		if d.stack.Decode(r.Properties, &p) != nil || p.Bucket != name {
			continue
		}
		for _, st := range p.PolicyDocument.Statement {
			if st.Effect != "Allow" {
				continue
			}
			actions, _ := st.Action.([]any)
			if s, ok := st.Action.(string); ok {
				actions = []any{s}
			}
			for _, a := range actions {
				switch a {
				case "s3:ListBucket", "s3:List*", "s3:*", "*":
					return true
				}
			}
		}
	}
	return false
}

func (d *deriver) restAPI(id string) (*RestAPI, error) {
	if api, ok := d.apis[id]; ok {
		return api, nil
	}
	s := d.stack
	apiID, err := s.String(map[string]any{"Ref": id})
	if err != nil {
		return nil, err
	}
	rootID, err := s.String(map[string]any{"Fn::GetAtt": []any{id, "RootResourceId"}})
	if err != nil {
		return nil, err
	}
	r, _ := s.Resource(id)
	var props struct{ BinaryMediaTypes []string }
	if err := s.Decode(map[string]any{"BinaryMediaTypes": r.Properties["BinaryMediaTypes"]}, &props); err != nil {
		return nil, err
	}
	api := &RestAPI{
		LogicalID:        id,
		ID:               apiID,
		Domain:           apiID + ".execute-api." + s.Region + "." + s.URLSuffix(),
		Region:           s.Region,
		Account:          s.Account,
		BinaryMediaTypes: props.BinaryMediaTypes,
		Root:             &APIResource{ID: rootID, Path: "/", Methods: map[string]*Method{}},
		Stages:           map[string]*Stage{},
	}
	d.apis[id] = api

	// Resources, attached to their parents until none is left over.
	type pending struct {
		res              *APIResource
		parent, selfName string
	}
	var rest []pending
	for _, rid := range s.Resources("AWS::ApiGateway::Resource") {
		rr, _ := s.Resource(rid)
		var p struct{ RestApiId, ParentId, PathPart string }
		if err := s.Decode(rr.Properties, &p); err != nil {
			return nil, fmt.Errorf("API resource %s: %w", rid, err)
		}
		if p.RestApiId != apiID {
			continue
		}
		physical, _ := s.String(map[string]any{"Ref": rid})
		rest = append(rest, pending{&APIResource{ID: physical, PathPart: p.PathPart, Methods: map[string]*Method{}}, p.ParentId, rid})
	}
	byID := map[string]*APIResource{rootID: api.Root}
	for len(rest) > 0 {
		var left []pending
		for _, p := range rest {
			parent, ok := byID[p.parent]
			if !ok {
				left = append(left, p)
				continue
			}
			p.res.Path = strings.TrimSuffix(parent.Path, "/") + "/" + p.res.PathPart
			parent.Children = append(parent.Children, p.res)
			byID[p.res.ID] = p.res
		}
		if len(left) == len(rest) {
			return nil, fmt.Errorf("API resource %s has no parent in the API", left[0].selfName)
		}
		rest = left
	}

	for _, mid := range s.Resources("AWS::ApiGateway::Method") {
		mr, _ := s.Resource(mid)
		var p struct {
			RestApiId, ResourceId, HttpMethod, AuthorizationType string
			ApiKeyRequired                                       flexBool
			Integration                                          struct{ Type, Uri string }
		}
		if err := s.Decode(mr.Properties, &p); err != nil {
			return nil, fmt.Errorf("API method %s: %w", mid, err)
		}
		if p.RestApiId != apiID {
			continue
		}
		res, ok := byID[p.ResourceId]
		if !ok {
			return nil, fmt.Errorf("API method %s: no resource %s", mid, p.ResourceId)
		}
		m := &Method{HTTPMethod: p.HttpMethod, AuthorizationType: p.AuthorizationType, APIKeyRequired: bool(p.ApiKeyRequired), IntegrationType: p.Integration.Type}
		if p.AuthorizationType != "" && p.AuthorizationType != "NONE" {
			d.warn("%s %s: authorization %s is not emulated: requests are let through", p.HttpMethod, res.Path, p.AuthorizationType)
		}
		if p.Integration.Type == "AWS_PROXY" {
			fn, err := d.integrationFunction(p.Integration.Uri)
			if err != nil {
				return nil, fmt.Errorf("API method %s: %w", mid, err)
			}
			m.Function = fn
		} else {
			d.warn("%s %s: %s integrations are not emulated: requests get a 500", p.HttpMethod, res.Path, p.Integration.Type)
		}
		res.Methods[p.HttpMethod] = m
	}
	if err := d.stages(api); err != nil {
		return nil, err
	}
	if err := d.apiKeys(api); err != nil {
		return nil, err
	}
	if err := d.gatewayResponses(api); err != nil {
		return nil, err
	}
	return api, nil
}

// gatewayResponses collects the API's customized gateway responses.
func (d *deriver) gatewayResponses(api *RestAPI) error {
	s := d.stack
	api.GatewayResponses = map[string]*GatewayResponse{}
	for _, id := range s.Resources("AWS::ApiGateway::GatewayResponse") {
		r, _ := s.Resource(id)
		var p struct {
			RestApiId, ResponseType string
			StatusCode              flexInt
			ResponseParameters      map[string]string
			ResponseTemplates       map[string]string
		}
		if err := s.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("gateway response %s: %w", id, err)
		}
		if p.RestApiId != api.ID {
			continue
		}
		gr := &GatewayResponse{StatusCode: int(p.StatusCode), Headers: map[string]string{}, Templates: p.ResponseTemplates}
		for param, value := range p.ResponseParameters {
			name, ok := strings.CutPrefix(param, "gatewayresponse.header.")
			if !ok {
				d.warn("gateway response %s: parameter %s is not emulated", id, param)
				continue
			}
			gr.Headers[name] = value
		}
		api.GatewayResponses[p.ResponseType] = gr
	}
	return nil
}

// integrationFunction finds the function of an AWS_PROXY integration URI,
// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations.
func (d *deriver) integrationFunction(uri string) (*Function, error) {
	_, arn, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/")
	arn, ok2 := strings.CutSuffix(arn, "/invocations")
	if !ok || !ok2 {
		return nil, fmt.Errorf("integration URI %q does not invoke a Lambda function", uri)
	}
	if parts := strings.Split(arn, ":"); len(parts) == 8 { // a version or alias
		d.warn("function %s is invoked through its qualifier %s: the local site runs the function's current code", parts[6], parts[7])
		arn = strings.Join(parts[:7], ":")
	}
	if alias, ok := d.stack.Lookup(arn, "AWS::Lambda::Alias"); ok {
		// An alias of the stack (WebApp's "live"): it points at a version of
		// the function, which the local site runs as the current code.
		r, _ := d.stack.Resource(alias)
		name, err := d.stack.String(r.Properties["FunctionName"])
		if err != nil {
			return nil, fmt.Errorf("alias %s: %w", alias, err)
		}
		arn = name
	}
	id, ok := d.stack.Lookup(arn, "AWS::Lambda::Function")
	if !ok {
		return nil, fmt.Errorf("function %s is not in stack %s", arn, d.stack.Name)
	}
	return d.function(id)
}

func (d *deriver) function(id string) (*Function, error) {
	if f, ok := d.site.Functions[id]; ok {
		return f, nil
	}
	s := d.stack
	r, _ := s.Resource(id)
	var p struct {
		Code struct {
			S3Bucket, S3Key, ZipFile string
		}
		Runtime, Handler string
		Architectures    []string
		Timeout          *flexInt
		MemorySize       *flexInt
		Environment      struct{ Variables map[string]any }
		LoggingConfig    struct{ LogFormat, LogGroup string }
		Layers           []any
	}
	if err := s.Decode(r.Properties, &p); err != nil {
		return nil, fmt.Errorf("function %s: %w", id, err)
	}
	f := &Function{LogicalID: id, Runtime: p.Runtime, Handler: p.Handler, Architecture: "x86_64", Timeout: 3 * time.Second, MemoryMB: 128,
		Environment: map[string]string{}, LogFormat: p.LoggingConfig.LogFormat, LogGroup: p.LoggingConfig.LogGroup, Layers: len(p.Layers)}
	var err error
	if f.Name, err = s.String(map[string]any{"Ref": id}); err != nil {
		return nil, err
	}
	if f.ARN, err = s.String(map[string]any{"Fn::GetAtt": []any{id, "Arn"}}); err != nil {
		return nil, err
	}
	if len(p.Architectures) > 0 {
		f.Architecture = p.Architectures[0]
	}
	if p.Timeout != nil {
		f.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	if p.MemorySize != nil {
		f.MemoryMB = int(*p.MemorySize)
	}
	for k, v := range p.Environment.Variables {
		str, err := json.Marshal(v)
		if s, ok := v.(string); ok {
			f.Environment[k] = s
		} else if err == nil {
			f.Environment[k] = string(str)
		}
	}
	if f.LogGroup == "" {
		f.LogGroup = "/aws/lambda/" + f.Name
	}
	if p.Code.ZipFile != "" {
		return nil, fmt.Errorf("function %s has inline code (ZipFile): only functions with a code asset run locally", id)
	}
	asset, ok := s.Assembly().Asset(p.Code.S3Key)
	if !ok {
		return nil, fmt.Errorf("function %s: its code s3://%s/%s is not an asset of the assembly", id, p.Code.S3Bucket, p.Code.S3Key)
	}
	f.Asset = asset
	if !strings.HasPrefix(f.Runtime, "provided") {
		return nil, fmt.Errorf("function %s: runtime %s is not emulated: only custom runtimes (provided.al2023, provided.al2) with a bootstrap run locally", id, f.Runtime)
	}
	if f.Layers > 0 {
		d.warn("function %s has %d layers, which are not emulated", id, f.Layers)
	}
	d.site.Functions[id] = f
	return f, nil
}

func (d *deriver) stages(api *RestAPI) error {
	s := d.stack
	for _, id := range s.Resources("AWS::ApiGateway::Stage") {
		r, _ := s.Resource(id)
		var p struct {
			RestApiId, StageName, DeploymentId string
			Variables                          map[string]string
			MethodSettings                     []struct {
				ResourcePath, HttpMethod string
				ThrottlingRateLimit      *float64
				ThrottlingBurstLimit     *flexInt
			}
			AccessLogSetting struct{ Format string }
		}
		if err := s.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("stage %s: %w", id, err)
		}
		if p.RestApiId != api.ID {
			continue
		}
		st := &Stage{Name: p.StageName, DeploymentID: p.DeploymentId, Variables: p.Variables, AccessLogFormat: p.AccessLogSetting.Format}
		for _, ms := range p.MethodSettings {
			if ms.ResourcePath != "/*" || ms.HttpMethod != "*" {
				d.warn("stage %s: method settings for %s %s are not emulated", p.StageName, ms.HttpMethod, ms.ResourcePath)
				continue
			}
			if ms.ThrottlingRateLimit != nil {
				st.RateLimit = *ms.ThrottlingRateLimit
			}
			if ms.ThrottlingBurstLimit != nil {
				st.BurstLimit = int(*ms.ThrottlingBurstLimit)
			}
		}
		api.Stages[st.Name] = st
	}
	// A deployment may create its stage itself.
	for _, id := range s.Resources("AWS::ApiGateway::Deployment") {
		r, _ := s.Resource(id)
		var p struct{ RestApiId, StageName string }
		if err := s.Decode(map[string]any{"RestApiId": r.Properties["RestApiId"], "StageName": r.Properties["StageName"]}, &p); err != nil {
			return err
		}
		if p.RestApiId == api.ID && p.StageName != "" && api.Stages[p.StageName] == nil {
			dep, _ := s.String(map[string]any{"Ref": id})
			api.Stages[p.StageName] = &Stage{Name: p.StageName, DeploymentID: dep}
		}
	}
	return nil
}

// apiKeys collects the API's keys: enabled keys linked through a usage
// plan to a stage of the API (the only keys API Gateway accepts).
func (d *deriver) apiKeys(api *RestAPI) error {
	s := d.stack
	plans := map[string][]string{} // usage plan id → "<api>/<stage>"
	for _, id := range s.Resources("AWS::ApiGateway::UsagePlan") {
		r, _ := s.Resource(id)
		var p struct {
			ApiStages []struct {
				ApiId, Stage string
				Throttle     map[string]json.RawMessage
			}
			Throttle json.RawMessage
			Quota    json.RawMessage
		}
		if err := s.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("usage plan %s: %w", id, err)
		}
		planID, _ := s.String(map[string]any{"Ref": id})
		for _, st := range p.ApiStages {
			plans[planID] = append(plans[planID], st.ApiId+"/"+st.Stage)
			if len(st.Throttle) > 0 {
				d.warn("usage plan %s: method throttling on stage %s is not emulated", id, st.Stage)
			}
		}
		if len(p.Throttle) > 0 || len(p.Quota) > 0 {
			d.warn("usage plan %s: throttling and quotas are not emulated", id)
		}
	}
	keyStages := map[string][]string{}
	for _, id := range s.Resources("AWS::ApiGateway::UsagePlanKey") {
		r, _ := s.Resource(id)
		var p struct{ KeyId, UsagePlanId string }
		if err := s.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("usage plan key %s: %w", id, err)
		}
		keyStages[p.KeyId] = append(keyStages[p.KeyId], plans[p.UsagePlanId]...)
	}
	for _, id := range s.Resources("AWS::ApiGateway::ApiKey") {
		r, _ := s.Resource(id)
		var p struct {
			Value   string
			Enabled flexBool
		}
		if err := s.Decode(r.Properties, &p); err != nil {
			return fmt.Errorf("API key %s: %w", id, err)
		}
		keyID, _ := s.String(map[string]any{"Ref": id})
		if p.Value == "" {
			// API Gateway generates one; locally it is a stand-in.
			p.Value, _ = s.String("{{resolve:apigateway-key:" + keyID + "}}")
		}
		k := &APIKey{ID: keyID, Value: p.Value, Stages: map[string]bool{}}
		if p.Enabled {
			for _, st := range keyStages[keyID] {
				k.Stages[st] = true
			}
		}
		api.Keys = append(api.Keys, k)
	}
	return nil
}

func (d *deriver) tables() error {
	for _, s := range d.stack.Assembly().Stacks {
		for _, id := range s.Resources("AWS::DynamoDB::Table") {
			r, _ := s.Resource(id)
			name, err := s.String(map[string]any{"Ref": id})
			if err != nil {
				return err
			}
			def := map[string]any{}
			for _, k := range []string{"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput"} {
				if v, ok := r.Properties[k]; ok {
					if def[k], err = s.Eval(v); err != nil {
						return fmt.Errorf("table %s: %w", id, err)
					}
				}
			}
			d.site.Tables = append(d.site.Tables, &Table{LogicalID: id, Name: name, Definition: def})
		}
	}
	sort.Slice(d.site.Tables, func(i, j int) bool { return d.site.Tables[i].Name < d.site.Tables[j].Name })
	return nil
}
