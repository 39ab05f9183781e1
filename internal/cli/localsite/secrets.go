package localsite

import (
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/gowebapp/webapp/internal/cli/localsecrets"
	"github.com/gowebapp/webapp/webappsecret"
)

// startSecrets serves the secrets the site's functions read with
// webappsecret (their WEBAPP_SECRET_<NAME>, the references the template
// gives them) from a local server, with this machine's values where it
// has them (localsecrets) and stand-ins where not; the notes say which.
// The functions reach it through AWS_ENDPOINT_URL_SSM and
// AWS_ENDPOINT_URL_SECRETS_MANAGER in inst.secretsEnv.
func (l *Local) startSecrets(inst *instance) error {
	refs := map[string][]string{}
	for _, fn := range inst.site.Functions {
		for k, ref := range fn.Environment {
			if name, ok := strings.CutPrefix(k, webappsecret.EnvPrefix); ok && webappsecret.ValidName(name) && !slices.Contains(refs[name], ref) {
				refs[name] = append(refs[name], ref)
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	secrets, err := localsecrets.Load(l.Project.Dir, os.Environ(), slices.Collect(maps.Keys(refs)))
	if err != nil {
		return err
	}
	srv, err := localsecrets.Serve(secrets, refs)
	if err != nil {
		return err
	}
	inst.closers = append(inst.closers, func() { srv.Close() })
	inst.secretsEnv = srv.Env()
	inst.notes = append(inst.notes, srv.Notes()...)
	return nil
}
