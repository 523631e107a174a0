//! `GET /docs`: the API reference in the browser, Swagger UI rendering `/openapi.json`.
//!
//! Swagger UI's files are compiled into the binary (the `utoipa-swagger-ui` crate, `vendored`);
//! nothing is loaded from elsewhere. The page is not part of the API: it is left out of the
//! OpenAPI document, needs no login, and is served with a Content-Security-Policy of its own
//! that lets it load its scripts, styles and images from this server and fetch the API, and
//! nothing else (no inline script or style). Every other route keeps the API's policy, which
//! allows nothing at all.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa_swagger_ui::Config;

use crate::error::AppError;
use crate::state::AppState;

/// The policy of the page and its files: its own scripts and styles, the images its style
/// sheet inlines as `data:` URIs, requests to this server only.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The files of Swagger UI the page loads; the rest of its distribution is not served.
const ASSETS: [&str; 6] = [
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-initializer.js",
    "favicon-32x32.png",
];

/// The page itself. Asset paths are absolute: `/docs/` and `/docs` are the same route here
/// (trailing slashes are trimmed), so relative ones would resolve against `/`.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>tms API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="stylesheet" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/swagger-initializer.js"></script>
  </body>
</html>
"#;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/docs", get(page))
        .route("/docs/{file}", get(asset))
}

fn with_csp(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    );
    response
}

async fn page() -> Response {
    with_csp(Html(PAGE).into_response())
}

/// Swagger UI's settings, written into `swagger-initializer.js` by the crate: the document
/// from this server; the base layout, without the top bar (its logo carries an inline style
/// sheet, and its box would load documents from other addresses); no online validator (its
/// badge would load an image from elsewhere).
fn config() -> Config<'static> {
    Config::from("/openapi.json")
        .use_base_layout()
        .validator_url("none")
}

/// One of [`ASSETS`], by name (read from the path as sent: no name needs decoding).
async fn asset(uri: Uri) -> Result<Response, AppError> {
    let file = uri.path().strip_prefix("/docs/").unwrap_or_default();
    if !ASSETS.contains(&file) {
        return Err(AppError::NotFound("Not Found".into()));
    }
    let served = utoipa_swagger_ui::serve(file, Arc::new(config()))
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or_else(|| AppError::NotFound("Not Found".into()))?;
    let content_type = HeaderValue::try_from(served.content_type)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let bytes = served.bytes.into_owned();
    Ok(with_csp(
        ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
    ))
}
