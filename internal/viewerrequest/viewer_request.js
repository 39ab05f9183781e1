// CloudFront viewer-request function (runtime cloudfront-js-2.0).
//
// The origin request policy forwards every viewer header to API Gateway except
// Host, because API Gateway routes on its own Host. The app still needs the
// host the viewer typed (for absolute URLs and to know it is behind
// CloudFront), so this copies it into X-Forwarded-Host, overwriting whatever a
// client may have sent in that header.
function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) {
    request.headers['x-forwarded-host'] = { value: host.value };
  } else {
    delete request.headers['x-forwarded-host'];
  }
  return request;
}
