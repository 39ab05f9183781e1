// Package webapp provides WebApp, a CDK construct that deploys a server-rendered
// Go web site the way Chalice users deploy theirs — a Lambda function behind an
// API Gateway REST API stage, static files in S3, CloudFront in front of both
// and an optional custom domain — as one reviewable, testable unit.
//
//	viewer ──HTTPS──▶ CloudFront ──/css/*, /js/*, …──▶ S3 (read by OAI or OAC only)
//	                      └──────── everything else ──▶ API Gateway /<stage> ──▶ Lambda (Go, arm64)
package webapp

import (
	_ "embed"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

//go:embed viewer_request.js
var viewerRequestCode string

// BinaryMediaTypes make API Gateway pass every request body to the function
// base64-encoded (so multipart uploads arrive byte for byte) and decode every
// response the function marks as base64 (so images and downloads are served
// as bytes). multipart/form-data is named although */* covers it, so that the
// intent survives anyone narrowing the list.
var BinaryMediaTypes = []string{"multipart/form-data", "*/*"}

// WebApp is a deployed web site. Its fields are the resources it created, so a
// stack can extend them: grant a table to Function, add a behaviour to
// Distribution, add a method to Api.
type WebApp struct {
	constructs.Construct

	// Function serves every path that is not static.
	Function awslambda.Function
	// Api is the REST API that proxies every method and path to Function.
	Api awsapigateway.LambdaRestApi
	// StaticBucket holds the static files; only CloudFront can read it.
	StaticBucket awss3.Bucket
	// Distribution is the CloudFront distribution in front of both.
	Distribution awscloudfront.Distribution
	// ViewerRequest is the CloudFront Function that hands the viewer's Host to
	// the app as X-Forwarded-Host.
	ViewerRequest awscloudfront.Function
	// Certificate is the domain's certificate, nil without DomainName.
	Certificate awscertificatemanager.ICertificate
	// StageName is the API Gateway stage the distribution's origin path points at.
	StageName string
	// SiteURL is the site's https URL: the custom domain or the distribution's own.
	SiteURL *string
}

// NewWebApp defines the site. Props that cannot work panic with one message
// that lists every problem and names each prop, before anything is created.
func NewWebApp(scope constructs.Construct, id string, props *Props) *WebApp {
	if props == nil {
		props = &Props{}
	}
	p := props.withDefaults()
	if err := p.validate(*awscdk.Stack_Of(scope).Region()); err != nil {
		panic(err)
	}

	this := constructs.NewConstruct(scope, &id)
	w := &WebApp{Construct: this, StageName: p.Stage}
	warnUnservedStaticFiles(this, p.StaticDir, p.StaticPaths)

	w.Function = newFunction(this, p)
	w.Api = awsapigateway.NewLambdaRestApi(this, jsii.String("Api"), &awsapigateway.LambdaRestApiProps{
		Handler:     w.Function,
		Proxy:       jsii.Bool(true),
		Description: jsii.String("Proxies every path and method to the web app's function"),
		// CloudFront is already the edge; an EDGE endpoint would add a second hop.
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{
			Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		},
		BinaryMediaTypes: jsii.Strings(BinaryMediaTypes...),
		DeployOptions:    &awsapigateway.StageOptions{StageName: jsii.String(p.Stage)},
		CloudWatchRole:   jsii.Bool(false),
	})
	// The REST API adds an undescribed "Endpoint" output; ApiUrl below says
	// the same with a description, so drop the duplicate.
	w.Api.Node().TryRemoveChild(jsii.String("Endpoint"))

	w.StaticBucket = awss3.NewBucket(this, jsii.String("StaticBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     p.StaticBucketRemovalPolicy,
		AutoDeleteObjects: jsii.Bool(p.StaticBucketRemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})

	// Without a certificate CloudFront serves its own, whose TLS policy is
	// fixed; the TLS settings only apply with the custom domain.
	var domainNames *[]*string
	minimumTLS, sslMethod := awscloudfront.SecurityPolicyProtocol(""), awscloudfront.SSLMethod("")
	if p.DomainName != "" {
		domainNames = jsii.Strings(p.DomainName)
		minimumTLS, sslMethod = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021, awscloudfront.SSLMethod_SNI
		w.Certificate = p.Certificate
		if w.Certificate == nil {
			w.Certificate = awscertificatemanager.NewCertificate(this, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
				DomainName: jsii.String(p.DomainName),
				Validation: awscertificatemanager.CertificateValidation_FromDns(p.HostedZone),
			})
		}
	}

	w.ViewerRequest = awscloudfront.NewFunction(this, jsii.String("ViewerRequest"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(viewerRequestCode)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("Copies the viewer's Host into X-Forwarded-Host for the app"),
	})

	w.Distribution = awscloudfront.NewDistribution(this, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Web app: static paths from S3, everything else from API Gateway"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			// The origin path is the stage, so the site lives at https://domain/, not /v1/.
			Origin: awscloudfrontorigins.NewRestApiOrigin(w.Api, &awscloudfrontorigins.RestApiOriginProps{
				OriginPath: jsii.String("/" + p.Stage),
			}),
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			// Every viewer header but Host: API Gateway answers 403 to a foreign Host.
			OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  w.ViewerRequest,
			}},
		},
		AdditionalBehaviors:    staticBehaviors(w.StaticBucket, p),
		DomainNames:            domainNames,
		Certificate:            w.Certificate,
		MinimumProtocolVersion: minimumTLS,
		SslSupportMethod:       sslMethod,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
	})

	awss3deployment.NewBucketDeployment(this, jsii.String("StaticDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(p.StaticDir), nil)},
		DestinationBucket: w.StaticBucket,
		// Invalidate what was deployed, not the app's dynamic pages.
		Distribution:      w.Distribution,
		DistributionPaths: jsii.Strings(p.StaticPaths...),
	})

	if p.DomainName != "" && p.HostedZone != nil {
		target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(w.Distribution))
		awsroute53.NewARecord(this, jsii.String("AliasRecord"), &awsroute53.ARecordProps{
			Zone: p.HostedZone, RecordName: jsii.String(p.DomainName), Target: target,
		})
		awsroute53.NewAaaaRecord(this, jsii.String("AliasRecordIpv6"), &awsroute53.AaaaRecordProps{
			Zone: p.HostedZone, RecordName: jsii.String(p.DomainName), Target: target,
		})
	}

	siteDomain := w.Distribution.DistributionDomainName()
	if p.DomainName != "" {
		siteDomain = jsii.String(p.DomainName)
	}
	w.SiteURL = awscdk.Fn_Join(jsii.String(""), jsii.Strings("https://", *siteDomain, "/"))
	w.addOutputs(this)
	return w
}

func newFunction(scope constructs.Construct, p Props) awslambda.Function {
	logGroup := awslogs.NewLogGroup(scope, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	env := make(map[string]*string, len(p.FunctionEnvironment))
	for k, v := range p.FunctionEnvironment {
		env[k] = jsii.String(v)
	}
	return awslambda.NewFunction(scope, jsii.String("Function"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code: awslambda.Code_FromAsset(jsii.String(p.FunctionDir), &awss3assets.AssetOptions{
			AssetHashType: awscdk.AssetHashType_OUTPUT,
			Bundling:      bundlingOptions(p.FunctionDir),
		}),
		MemorySize:    jsii.Number(float64(p.FunctionMemorySize)),
		Timeout:       p.FunctionTimeout,
		Environment:   &env,
		LogGroup:      logGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Description:   jsii.String("Serves the web app's pages and API"),
	})
}

// staticBehaviors sends each static path pattern to the bucket, cached.
func staticBehaviors(bucket awss3.IBucket, p Props) *map[string]*awscloudfront.BehaviorOptions {
	var origin awscloudfront.IOrigin
	if p.StaticOriginAccess == OriginAccessControl {
		origin = awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil)
	} else {
		// Grants the identity s3:GetObject only (not grantRead's List), so a
		// missing file is a 403, and the bucket's keys cannot be listed.
		origin = awscloudfrontorigins.S3BucketOrigin_WithOriginAccessIdentity(bucket, nil)
	}
	behaviors := make(map[string]*awscloudfront.BehaviorOptions, len(p.StaticPaths))
	for _, path := range p.StaticPaths {
		behaviors[path] = &awscloudfront.BehaviorOptions{
			Origin:               origin,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:          awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		}
	}
	return &behaviors
}

func (w *WebApp) addOutputs(scope constructs.Construct) {
	outputs := []struct {
		id, description string
		value           *string
	}{
		{"SiteUrl", "The site's address", w.SiteURL},
		{"DistributionId", "CloudFront distribution id, for invalidations", w.Distribution.DistributionId()},
		{"ApiUrl", "API Gateway stage URL (bypasses CloudFront)", w.Api.Url()},
		{"StaticBucketName", "Bucket that holds the static files", w.StaticBucket.BucketName()},
	}
	for _, o := range outputs {
		awscdk.NewCfnOutput(scope, jsii.String(o.id), &awscdk.CfnOutputProps{
			Value: o.value, Description: jsii.String(o.description),
		})
	}
}

// warnUnservedStaticFiles adds a synth warning for each file in the static
// directory that no static path pattern serves: it would be uploaded but
// every request for it would reach the function instead.
func warnUnservedStaticFiles(scope constructs.Construct, dir string, patterns []string) {
	var unserved []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return nil
		}
		urlPath := "/" + filepath.ToSlash(rel)
		if !staticpaths.MatchAny(patterns, urlPath) {
			unserved = append(unserved, urlPath)
		}
		return nil
	})
	if len(unserved) == 0 {
		return
	}
	sort.Strings(unserved)
	awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("webapp:unservedStaticFiles"), jsii.String(
		"StaticDir has files that no StaticPaths pattern serves (requests for them reach the function): "+
			strings.Join(unserved, ", ")))
}
