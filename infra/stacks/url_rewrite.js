// CloudFront Function (viewer request) for the site's pages. Every page is PATH/index.html:
// "/week/2026-W49/" is served from "/week/2026-W49/index.html", and "/week/2026-W49" (no slash,
// no file extension) is redirected to the canonical "/week/2026-W49/". Files pass unchanged.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  if (uri.substring(uri.lastIndexOf('/') + 1).indexOf('.') === -1) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: uri + '/' }, 'cache-control': { value: 'max-age=3600' } },
    };
  }
  return request;
}
