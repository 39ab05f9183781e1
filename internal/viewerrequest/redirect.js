// Several names, one site: a request for one of the site's other names is
// answered here, at the edge, with a 301 (308 but for GET and HEAD) to the
// same path and query string on the main name, so that every page has one
// address (one set of cookies, one entry in search engines). Every other
// Host (the main name, the distribution's own *.cloudfront.net name, a local
// address) is served.
//
// The names are set at synth, from DomainName and AlternateDomainNames.
var mainHost = "";
var redirectHosts = [];

function handler(event) {
  var request = event.request;
  var host = request.headers.host ? hostName(request.headers.host.value) : "";
  if (redirectHosts.indexOf(host) === -1) {
    return forwardHost(event);
  }
  var query = queryString(request.querystring);
  // 301 for reads, as browsers and search engines expect; 308 for the other
  // methods, which a 301 would turn into a GET without the body (a form
  // posted to an old name), while 308 makes the client send it again to
  // the main name.
  var read = request.method === "GET" || request.method === "HEAD";
  return {
    statusCode: read ? 301 : 308,
    statusDescription: read ? "Moved Permanently" : "Permanent Redirect",
    headers: {
      location: { value: "https://" + mainHost + ascii(request.uri) + (query === "" ? "" : "?" + query) },
    },
  };
}

// hostName is the name in a Host header: DNS names are case-insensitive, a
// port may follow (Host: Example.NET:443) and a final dot may end it.
function hostName(value) {
  return value.toLowerCase().replace(/:[0-9]*$/, "").replace(/\.$/, "");
}

// queryString writes the query back as the viewer sent it. CloudFront hands
// the function each name and value as they came, still percent-encoded (%26
// stays %26, + stays +), so they are joined, not encoded again. A name
// without a value (?debug, or ?debug=) is written without "=": the event
// does not tell the two apart, and parsers read both as an empty value.
// Repeated names are kept in their order, grouped under their first place.
function queryString(querystring) {
  var parts = [];
  for (var name in querystring) {
    var field = querystring[name];
    var values = field.multiValue && field.multiValue.length > 0 ? field.multiValue : [field];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === "" ? ascii(name) : ascii(name) + "=" + ascii(values[i].value));
    }
  }
  return parts.join("&");
}

// ascii percent-encodes what a client sent unencoded beyond printable ASCII
// (raw UTF-8, spaces), so that the Location header is valid; what was
// already encoded is left as it is.
function ascii(s) {
  return s.replace(/[^\x21-\x7e]+/g, function (run) {
    return encodeURIComponent(run);
  });
}

