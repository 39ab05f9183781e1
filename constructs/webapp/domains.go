package webapp

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/viewerrequest"
)

// Several names, one site: DomainName is the main name, and each of
// AlternateDomainNames is covered by the certificate, has its own alias
// records and is redirected to the main name by the viewer-request function.

// maxDomainNames is CloudFront's quota of alternate domain names per
// distribution, and ACM's largest number of names per certificate.
const maxDomainNames = 100

// siteDomainNames are all the names the distribution answers to, the main
// one first; none without DomainName.
func (p Props) siteDomainNames() []string {
	if p.DomainName == "" {
		return nil
	}
	return append([]string{p.DomainName}, p.AlternateDomainNames...)
}

// zoneOf returns the zone among zones that holds name: the one whose name is
// name or its longest suffix, so that a delegated subdomain's zone
// (shop.example.com) wins over its parent's (example.com). Nil when none
// does, or a zone's name is a token.
func zoneOf(name string, zones []awsroute53.IHostedZone) awsroute53.IHostedZone {
	var best awsroute53.IHostedZone
	bestLen := -1
	for _, zone := range zones {
		zoneName := strings.TrimSuffix(*zone.ZoneName(), ".")
		if unresolved(zoneName) || name != zoneName && !strings.HasSuffix(name, "."+zoneName) {
			continue
		}
		if len(zoneName) > bestLen {
			best, bestLen = zone, len(zoneName)
		}
	}
	return best
}

// domainZones returns each name's zone: the main name's is mainZone, the
// alternate names' the one of mainZone and alternateZones that holds them
// (zoneOf). Names no zone holds are left out; validation refuses them.
func domainZones(mainName string, mainZone awsroute53.IHostedZone, alternates []string, alternateZones []awsroute53.IHostedZone) map[string]awsroute53.IHostedZone {
	zones := map[string]awsroute53.IHostedZone{mainName: mainZone}
	candidates := append([]awsroute53.IHostedZone{mainZone}, alternateZones...)
	for _, name := range alternates {
		if zone := zoneOf(name, candidates); zone != nil {
			zones[name] = zone
		} else if unresolved(*mainZone.ZoneName()) {
			// A zone whose name is known only at deploy time cannot be
			// checked: the names are taken to be in it, as DomainName is.
			zones[name] = mainZone
		}
	}
	return zones
}

// certificateProps are the props of a DNS-validated certificate for
// mainName and alternates. With one zone it is validated as a single-name
// certificate always was (CertificateValidation.fromDns), so that a site
// with one name keeps its certificate; with several, each name is
// validated in its own zone. The alternate names are sorted: a certificate
// whose names change is replaced, and reordering the list must not do it.
func certificateProps(mainName string, mainZone awsroute53.IHostedZone, alternates []string, alternateZones []awsroute53.IHostedZone) *awscertificatemanager.CertificateProps {
	props := &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(mainName),
		Validation: awscertificatemanager.CertificateValidation_FromDns(mainZone),
	}
	if len(alternates) == 0 {
		return props
	}
	props.SubjectAlternativeNames = jsii.Strings(slices.Sorted(slices.Values(alternates))...)
	zones := domainZones(mainName, mainZone, alternates, alternateZones)
	for _, zone := range zones {
		if zone != mainZone {
			props.Validation = awscertificatemanager.CertificateValidation_FromDnsMultiZone(&zones)
			break
		}
	}
	return props
}

// addAliasRecords points each of the site's names at the distribution with
// an A and an AAAA alias record in its zone. The main name's records keep
// the ids they always had; an alternate name's ids end with a hash of the
// name, as aws-cdk's HttpsRedirect names its records, so that reordering
// the list replaces nothing (a record replaced under the same name would
// fail: CloudFormation creates the new one first).
func addAliasRecords(scope constructs.Construct, p Props, distribution awscloudfront.IDistribution) {
	target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(distribution))
	zones := domainZones(p.DomainName, p.HostedZone, p.AlternateDomainNames, p.AlternateHostedZones)
	for _, name := range p.siteDomainNames() {
		suffix := ""
		if name != p.DomainName {
			suffix = domainHash(name)
		}
		awsroute53.NewARecord(scope, jsii.String("AliasRecord"+suffix), &awsroute53.ARecordProps{
			Zone: zones[name], RecordName: jsii.String(name), Target: target,
		})
		awsroute53.NewAaaaRecord(scope, jsii.String("AliasRecordIpv6"+suffix), &awsroute53.AaaaRecordProps{
			Zone: zones[name], RecordName: jsii.String(name), Target: target,
		})
	}
}

// domainHash is a short hash of a name, for construct ids that must follow
// the name rather than its place in a list.
func domainHash(name string) string {
	sum := md5.Sum([]byte(name))
	return strings.ToUpper(hex.EncodeToString(sum[:])[:8])
}

// newViewerRequest is the viewer-request function of every behaviour that
// reaches the app. A site with one name keeps the comment it always had.
func newViewerRequest(scope constructs.Construct, p Props) awscloudfront.Function {
	comment := "Copies the viewer's Host into X-Forwarded-Host for the app"
	if len(p.AlternateDomainNames) > 0 {
		comment = "Redirects the site's other names to its main one; copies the viewer's Host into X-Forwarded-Host for the app"
	}
	return awscloudfront.NewFunction(scope, jsii.String("ViewerRequest"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(p.viewerRequestCode())),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String(comment),
	})
}

// viewerRequestCode is the viewer-request function's code: for a site with
// other names, the redirect to DomainName in front of the Host copy.
func (p Props) viewerRequestCode() string {
	return viewerrequest.Code(p.DomainName, p.AlternateDomainNames)
}

// validateAlternateDomains checks AlternateDomainNames and
// AlternateHostedZones: literal lower-case names, none twice, each in one of
// the zones when the construct manages DNS, and a function code that fits
// CloudFront Functions' limit.
func (p Props) validateAlternateDomains(add func(string, ...any)) {
	if len(p.AlternateDomainNames) == 0 {
		if len(p.AlternateHostedZones) > 0 {
			add("AlternateHostedZones is set but AlternateDomainNames is empty: list the names those zones hold, or drop AlternateHostedZones")
		}
		return
	}
	if p.DomainName == "" {
		add("AlternateDomainNames is set but DomainName is empty: set DomainName to the main name, which the others redirect to")
		return
	}
	if unresolved(p.DomainName) {
		add("DomainName is a token but AlternateDomainNames is set: the viewer-request function redirects to the main name, so give it as a literal")
		return
	}
	if len(p.AlternateHostedZones) > 0 && p.HostedZone == nil {
		add("AlternateHostedZones is set but HostedZone is empty: set HostedZone, the zone of DomainName, or drop AlternateHostedZones and manage DNS yourself")
	}
	if n := len(p.AlternateDomainNames) + 1; n > maxDomainNames {
		add("AlternateDomainNames has %d names: with DomainName that is %d, and CloudFront and ACM take at most %d", n-1, n, maxDomainNames)
	}
	seen := map[string]bool{p.DomainName: true}
	valid := true
	for _, name := range p.AlternateDomainNames {
		switch {
		case unresolved(name):
			add("AlternateDomainNames entry is a token: the viewer-request function matches the names at the edge, so give literals")
			valid = false
		case !domainPattern.MatchString(name):
			add("AlternateDomainNames entry %q is not a valid lower-case DNS name such as \"example.com\" (no wildcards: each name is redirected by itself)", name)
			valid = false
		case name == p.DomainName:
			add("AlternateDomainNames entry %q is DomainName: list only the other names, which redirect to it", name)
		case seen[name]:
			add("AlternateDomainNames entry %q is listed twice", name)
		}
		seen[name] = true
	}
	if p.HostedZone != nil && valid {
		p.validateAlternateZones(add)
	}
	if size := len(p.viewerRequestCode()); valid && size > viewerrequest.MaxCodeSize {
		add("AlternateDomainNames make the viewer-request function %d bytes, above CloudFront Functions' %d: redirect fewer names", size, viewerrequest.MaxCodeSize)
	}
}

// validateAlternateZones checks that every alternate name is in a zone and
// that every alternate zone holds one.
func (p Props) validateAlternateZones(add func(string, ...any)) {
	var zoneNames []string
	for i, zone := range p.AlternateHostedZones {
		if zone == nil {
			add("AlternateHostedZones entry %d is nil", i)
			return
		}
		name := strings.TrimSuffix(*zone.ZoneName(), ".")
		if unresolved(name) {
			add("AlternateHostedZones entry %d has a zone name known only at deploy time: import the zone with its name (awsroute53.HostedZone_FromHostedZoneAttributes)", i)
			return
		}
		zoneNames = append(zoneNames, name)
	}
	mainZoneName := strings.TrimSuffix(*p.HostedZone.ZoneName(), ".")
	if unresolved(mainZoneName) {
		return // the names are taken to be in HostedZone, as DomainName is
	}
	all := append([]awsroute53.IHostedZone{p.HostedZone}, p.AlternateHostedZones...)
	used := map[awsroute53.IHostedZone]bool{}
	for _, name := range p.AlternateDomainNames {
		zone := zoneOf(name, all)
		if zone == nil {
			add("AlternateDomainNames entry %q is in none of the hosted zones (%s): add its zone to AlternateHostedZones, or drop the name",
				name, strings.Join(append([]string{mainZoneName}, zoneNames...), ", "))
			continue
		}
		used[zone] = true
	}
	for i, zone := range p.AlternateHostedZones {
		if !used[zone] {
			add("AlternateHostedZones entry %d (%s) holds none of AlternateDomainNames: drop it", i, zoneNames[i])
		}
	}
}

// checkAlternateHostedZoneIds refuses a stage's zone without an id, which
// would otherwise only fail at deploy.
func checkAlternateHostedZoneIds(stage string, ids map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(ids)) {
		if strings.TrimSpace(ids[name]) == "" {
			return fmt.Errorf("context: stages.%s.alternateHostedZoneIds.%s is empty: give the id of the zone %s, such as Z0987654321ZYXWVUTSRQ", stage, name, name)
		}
	}
	return nil
}
