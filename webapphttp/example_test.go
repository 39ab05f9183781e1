package webapphttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/webapphttp"
)

// A function built for WebApp: plain handlers on a ServeMux, started with
// Start, which applies the construct's CORS_CONFIG and serves API Gateway's
// events. Every link and redirect goes through URL, so it works behind
// CloudFront and on the execute-api domain alike.
func Example_function() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.Host)
	})
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		// ... keep the note ...
		http.Redirect(w, r, webapphttp.URL(r, "/"), http.StatusSeeOther)
	})
	webapphttp.Start(mux) // never returns
}

// Wrap applies what the construct passes without starting Lambda: to serve
// the same handler with net/http on a laptop (http.ListenAndServe), or, as
// here, under httptest.
func ExampleWrap() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	})
	env := map[string]string{"CORS_CONFIG": `{"allowOrigins":["https://app.example.com"]}`}
	h, err := webapphttp.Wrap(mux, func(k string) string { return env[k] }) // os.Getenv in a real server
	if err != nil {
		fmt.Println(err)
		return
	}

	r := httptest.NewRequest("GET", "/hello", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body, "Access-Control-Allow-Origin:", w.Header().Get("Access-Control-Allow-Origin"))
	// Output:
	// 200 hello Access-Control-Allow-Origin: https://app.example.com
}

// Wrap refuses a form that a page of another site posts, before the
// handler runs; CrossOriginBypass opens a path that other sites must post
// to, such as a partner's webhook that acts on no viewer's cookies.
func ExampleCrossOriginBypass() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "kept") })
	mux.HandleFunc("POST /hooks/{name}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hooked") })
	noEnv := func(string) string { return "" } // os.Getenv in a function
	h, err := webapphttp.Wrap(mux, noEnv, webapphttp.CrossOriginBypass("POST /hooks/{name}"))
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, path := range []string{"/notes", "/hooks/build"} {
		r := httptest.NewRequest("POST", "https://notes.example.com"+path, nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site") // as a browser sends it from another site's form
		r.Header.Set("Origin", "https://elsewhere.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(path, w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// /notes 403 application/json
	// /hooks/build 200 text/plain; charset=utf-8
}

// The same request, recorded as API Gateway delivers it once through
// CloudFront and once on the execute-api domain directly: the handler's
// redirect through URL carries the stage only where the viewer's URLs do,
// and r.Host and r.RemoteAddr are the viewer's host and address either way.
func ExampleHandler() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("host %s, client %s\n", r.Host, r.RemoteAddr)
		http.Redirect(w, r, webapphttp.URL(r, "/done"), http.StatusSeeOther)
	})
	invoke := webapphttp.Handler(h) // what Start gives lambda.Start

	for _, fixture := range []string{"testdata/cloudfront-get.json", "testdata/direct-get.json"} {
		b, err := os.ReadFile(fixture)
		if err != nil {
			fmt.Println(err)
			return
		}
		var e events.APIGatewayProxyRequest
		if err := json.Unmarshal(b, &e); err != nil {
			fmt.Println(err)
			return
		}
		resp, err := invoke(context.Background(), e)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(resp.StatusCode, "Location:", resp.MultiValueHeaders["Location"][0])
	}
	// Output:
	// host todo.example.com, client 203.0.113.7:0
	// 303 Location: /done
	// host k3x9q7w2ab.execute-api.ap-northeast-1.amazonaws.com, client 198.51.100.23:0
	// 303 Location: /prod/done
}

// Under httptest a request carries no Info, which means "served at the
// root"; WithInfo gives it what the adapter would for a direct request.
func ExampleURL() {
	r := httptest.NewRequest("GET", "/todos", nil)
	fmt.Println(webapphttp.URL(r, "/todos/1"))

	r = r.WithContext(webapphttp.WithInfo(r.Context(), webapphttp.Info{Stage: "prod", BasePath: "/prod"}))
	fmt.Println(webapphttp.URL(r, "/todos/1"))
	// Output:
	// /todos/1
	// /prod/todos/1
}

// A Lambda authorizer's answer, as API Gateway puts it in the event's
// requestContext.authorizer: its principalId and context (whose values API
// Gateway turns into strings).
func ExampleCallerOf() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, ok := webapphttp.CallerOf(r)
		if !ok {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		fmt.Printf("%s of tenant %s\n", caller.PrincipalID, caller.Claim("tenant"))
	})
	resp, err := webapphttp.Handler(h)(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "GET",
		Path:       "/todos",
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "prod",
			Authorizer: map[string]any{
				"principalId":        "user-42",
				"integrationLatency": 287.0,
				"tenant":             "acme",
			},
		},
	})
	fmt.Println(resp.StatusCode, err)

	// Without an authorizer, nobody:
	resp, _ = webapphttp.Handler(h)(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/todos"})
	fmt.Println(resp.StatusCode)
	// Output:
	// user-42 of tenant acme
	// 200 <nil>
	// 401
}

// A preflight from an allowed origin is answered without reaching the
// handler; the actual request then gets the CORS headers.
func ExampleCorsHandler() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("app:", r.Method, r.URL.Path)
	})
	h := webapphttp.CorsHandler(webapphttp.CorsConfig{
		AllowOrigins:  []string{"https://app.example.com"},
		ExposeHeaders: []string{"Location"},
		MaxAgeSeconds: 600,
	}, app)

	preflight := httptest.NewRequest("OPTIONS", "/todos", nil)
	preflight.Header.Set("Origin", "https://app.example.com")
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	preflight.Header.Set("Access-Control-Request-Headers", "content-type")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, preflight)
	fmt.Println(w.Code)
	for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		fmt.Printf("%s: %s\n", name, w.Header().Get(name))
	}

	post := httptest.NewRequest("POST", "/todos", nil)
	post.Header.Set("Origin", "https://app.example.com")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, post)
	fmt.Println("Access-Control-Expose-Headers:", w.Header().Get("Access-Control-Expose-Headers"))
	// Output:
	// 204
	// Access-Control-Allow-Origin: https://app.example.com
	// Access-Control-Allow-Methods: GET, HEAD, POST, PUT, PATCH, DELETE
	// Access-Control-Allow-Headers: content-type
	// Access-Control-Max-Age: 600
	// app: POST /todos
	// Access-Control-Expose-Headers: Location
}

// CORS_CONFIG as the construct writes it from its Cors prop; unset, CORS is
// off; a wrong value is an error that names the field and the fix.
func ExampleCorsConfigFromEnv() {
	for _, v := range []string{
		`{"allowOrigins":["https://app.example.com"],"allowCredentials":true}`,
		``,
		`{"allowOrigins":["https://app.example.com/"]}`,
	} {
		c, err := webapphttp.CorsConfigFromEnv(func(string) string { return v })
		switch {
		case err != nil:
			fmt.Println(err)
		case c == nil:
			fmt.Println("CORS off")
		default:
			fmt.Println(c.AllowOrigins, c.AllowCredentials)
		}
	}
	// Output:
	// [https://app.example.com] true
	// CORS off
	// cors: CORS_CONFIG: AllowOrigins "https://app.example.com/" has a path: browsers send the origin without one, use "https://app.example.com"
}

// PublicURL is the URL a webhook's sender signed: here a request through
// CloudFront, whose viewer-request function put the viewer's host in
// X-Forwarded-Host, reaches the function without the stage in its URL.
func ExamplePublicURL() {
	r, err := webapphttp.NewRequest(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "POST",
		Path:       "/hooks/voice",
		Headers:    map[string]string{"Host": "abc123.execute-api.ap-northeast-1.amazonaws.com", "X-Forwarded-Host": "www.example.com"},
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "v1", Path: "/v1/hooks/voice",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(webapphttp.PublicURL(r))
	// Output:
	// https://www.example.com/hooks/voice
}

// A page that is the same for every viewer opts in to CloudFront's cache;
// every other response stays "private, no-store".
func ExampleCachePublic() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /about", func(w http.ResponseWriter, r *http.Request) {
		webapphttp.CachePublic(w, r, 5*time.Minute) // kept private if r is authenticated
		fmt.Fprint(w, "<h1>About us</h1>")
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<h1>Your account</h1>")
	})
	h, _ := webapphttp.Wrap(mux, func(string) string { return "" })
	for _, path := range []string{"/about", "/account"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Header().Get("Cache-Control"))
	}
	// Output:
	// /about public, max-age=300
	// /account private, no-store
}
