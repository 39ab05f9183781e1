package devserver

import (
	"github.com/gowebapp/webapp/internal/cli/localsecrets"
	"github.com/gowebapp/webapp/webappsecret"
)

// serveSecrets gives the function the secrets named in the project's local
// values (localsecrets: WEBAPP_SECRET_<NAME>_VALUE, .secrets.local.json,
// secrets.local.example.json), from a local SSM server that webappsecret
// reads as it reads SSM in Lambda, and says which are stand-ins. Without a
// template the site's own list of secrets is unknown, so a secret that none
// of them names is not set, and webappsecret says so. It returns the
// server's Close; nil when there are no secrets.
func (s *server) serveSecrets() (func() error, error) {
	secrets, err := localsecrets.Load(s.dir, s.env, nil)
	if err != nil || len(secrets) == 0 {
		return nil, err
	}
	refs := make(map[string][]string, len(secrets))
	for _, sec := range secrets {
		refs[sec.Name] = []string{localsecrets.DevReference(sec.Name)}
	}
	srv, err := localsecrets.Serve(secrets, refs)
	if err != nil {
		return nil, err
	}
	s.env = append(s.env, srv.Env()...)
	for _, sec := range secrets {
		s.env = append(s.env, webappsecret.EnvName(sec.Name)+"="+localsecrets.DevReference(sec.Name))
	}
	for _, note := range srv.Notes() {
		s.printf("%s\n", note)
	}
	return srv.Close, nil
}
