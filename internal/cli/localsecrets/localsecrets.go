// Package localsecrets gives a site run on this machine (make dev, make
// local, webapp dev and local) the secrets its function reads with
// webappsecret: values from this machine, served by a local server that
// speaks the SSM and Secrets Manager protocols (tools/awsjsontest), so that
// the function reads them exactly as in Lambda, and never from AWS.
//
// A secret's value comes from, first to last:
//
//   - WEBAPP_SECRET_<NAME>_VALUE in the environment;
//   - .secrets.local.json at the project's root, a JSON object of names and
//     values, which .gitignore names so that it is never committed;
//   - secrets.local.example.json beside it, committed, whose values are
//     obvious stand-ins;
//   - a stand-in made up here, for a secret the site has and none of the
//     above names.
//
// The last two are stand-ins, and the notes say so: a page that needs the
// real value (a webhook's signature, a partner's API) fails locally until it
// is given one.
package localsecrets

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gowebapp/webapp/tools/awsjsontest"
	"github.com/gowebapp/webapp/webappsecret"
)

// Files at the project's root.
const (
	// File holds this machine's values; .gitignore names it.
	File = ".secrets.local.json"
	// ExampleFile is committed, with stand-ins.
	ExampleFile = "secrets.local.example.json"
)

// ValueEnvSuffix ends the environment variable that gives a secret's
// local value: WEBAPP_SECRET_<NAME>_VALUE.
const ValueEnvSuffix = "_VALUE"

// Secret is a secret's local value.
type Secret struct {
	Name  string
	Value string
	// From says where Value came from: the variable, a file's name, or
	// "made up".
	From string
	// StandIn reports whether Value is a stand-in, not one given for this
	// machine (from ExampleFile, or made up).
	StandIn bool
}

// layer is one source of values: the environment or a file.
type layer struct {
	from    string // the file; "" for the environment
	standIn bool
	values  map[string]string
}

// Load returns the local values of the secrets names, in name order; with
// names nil, of every secret the environment and the files name. environ
// is the environment, as os.Environ gives it.
func Load(dir string, environ []string, names []string) ([]Secret, error) {
	layers := []layer{{values: envValues(environ)}}
	for _, f := range []layer{{from: File}, {from: ExampleFile, standIn: true}} {
		values, err := readFile(filepath.Join(dir, f.from))
		if err != nil {
			return nil, err
		}
		f.values = values
		layers = append(layers, f)
	}
	if names == nil {
		for _, l := range layers {
			names = slices.AppendSeq(names, maps.Keys(l.values))
		}
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	out := make([]Secret, 0, len(names))
	for _, name := range names {
		s := Secret{Name: name, Value: "local-stand-in-for-" + name, From: "made up", StandIn: true}
		for _, l := range layers {
			if v, ok := l.values[name]; ok {
				s.Value, s.StandIn = v, l.standIn
				s.From = cmp.Or(l.from, webappsecret.EnvName(name)+ValueEnvSuffix)
				break
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// envValues reads WEBAPP_SECRET_<NAME>_VALUE from environ.
func envValues(environ []string) map[string]string {
	values := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		name, ok := strings.CutPrefix(k, webappsecret.EnvPrefix)
		if name, ok2 := strings.CutSuffix(name, ValueEnvSuffix); ok && ok2 && webappsecret.ValidName(name) {
			values[name] = v
		}
	}
	return values
}

// readFile reads a JSON object of names and values; a missing file is
// empty.
func readFile(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var values map[string]string
	if err := json.Unmarshal(raw, &values); err != nil {
		// Not %w: a JSON error may quote the file, values included.
		return nil, fmt.Errorf("%s is not a JSON object of secret names and string values, such as {\"TWILIO_AUTH_TOKEN\": \"test-token\"}", path)
	}
	for name := range values {
		if !webappsecret.ValidName(name) {
			return nil, fmt.Errorf("%s: %q is not a secret name: use an upper-case letter, then upper-case letters, digits and '_', as in Props.Secrets", path, name)
		}
	}
	return values, nil
}

// Server serves secrets' local values to functions.
type Server struct {
	srv   *awsjsontest.Server
	notes []string
}

// Serve starts a server with each secret under the references refs[name]
// that functions' WEBAPP_SECRET_<NAME> hold ("ssm:NAME", a Secrets Manager
// ARN, or "secretsmanager:ID"); two sites may name one secret differently.
func Serve(secrets []Secret, refs map[string][]string) (*Server, error) {
	srv, err := awsjsontest.Start(awsjsontest.Options{})
	if err != nil {
		return nil, err
	}
	s := &Server{srv: srv}
	for _, sec := range secrets {
		for _, ref := range refs[sec.Name] {
			switch {
			case strings.HasPrefix(ref, webappsecret.SSMPrefix):
				srv.PutParameter(strings.TrimPrefix(ref, webappsecret.SSMPrefix), awsjsontest.Parameter{Value: sec.Value})
			case strings.HasPrefix(ref, webappsecret.SecretsManagerPrefix):
				srv.PutSecret(strings.TrimPrefix(ref, webappsecret.SecretsManagerPrefix), sec.Value)
			default:
				srv.PutSecret(ref, sec.Value)
			}
		}
		if sec.StandIn {
			s.notes = append(s.notes, fmt.Sprintf("secret %s is a STAND-IN (%s): give it a value in %s or %s%s", sec.Name, sec.From, File, webappsecret.EnvName(sec.Name), ValueEnvSuffix))
		} else {
			s.notes = append(s.notes, fmt.Sprintf("secret %s has its local value from %s", sec.Name, sec.From))
		}
	}
	return s, nil
}

// Env points a function's SDK at the server, as KEY=VALUE.
func (s *Server) Env() []string {
	env := s.srv.Env()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// Notes say, a line per secret, where its value is from and which are
// stand-ins; never a value.
func (s *Server) Notes() []string { return s.notes }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// DevReference is the reference a site run without a template (make dev)
// gives the secret name: an SSM parameter of the local server's.
func DevReference(name string) string { return webappsecret.SSMPrefix + "/local/" + name }
