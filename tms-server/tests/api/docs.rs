//! `/docs`: the API reference page and its files, served without login under a
//! Content-Security-Policy of their own, while the API keeps its own policy.

use crate::helpers::*;

/// The API's policy: nothing in a reply may load, run or frame anything.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

async fn fetch(s: &Srv, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = s.http.get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[track_caller]
fn assert_docs_csp(what: &str, headers: &reqwest::header::HeaderMap) {
    let csp = header(headers, "content-security-policy");
    assert_eq!(csp, tms_server::routes::docs::DOCS_CSP, "{what}");
    assert!(csp.contains("script-src 'self';"), "{what}: {csp}");
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
}

#[tokio::test]
async fn docs_page_is_public_html_that_loads_its_assets_from_this_server() {
    let s = start().await;
    for path in ["/docs", "/docs/"] {
        let (status, headers, body) = fetch(&s, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{path}: {headers:?}"
        );
        assert_docs_csp(path, &headers);
        let html = String::from_utf8(body).unwrap();
        for asset in [
            "/docs/swagger-ui.css",
            "/docs/swagger-ui-bundle.js",
            "/docs/swagger-ui-standalone-preset.js",
            "/docs/swagger-initializer.js",
        ] {
            assert!(html.contains(&format!("\"{asset}\"")), "{asset} in {html}");
        }
        // Nothing from elsewhere, nothing inline.
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert!(
            !html.contains("<script>") && !html.contains("<style"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn docs_assets_are_served_with_their_types() {
    let s = start().await;
    for (path, content_type) in [
        ("/docs/swagger-ui.css", "text/css"),
        ("/docs/index.css", "text/css"),
        ("/docs/swagger-ui-bundle.js", "javascript"),
        ("/docs/swagger-ui-standalone-preset.js", "javascript"),
        ("/docs/swagger-initializer.js", "javascript"),
        ("/docs/favicon-32x32.png", "image/png"),
    ] {
        let (status, headers, body) = fetch(&s, path).await;
        assert_eq!(status, 200, "{path}");
        let got = header(&headers, "content-type");
        assert!(got.contains(content_type), "{path}: {got}");
        assert!(!body.is_empty(), "{path}");
        assert_docs_csp(path, &headers);
    }
    // The initializer points Swagger UI at this server's document, with no online validator.
    let (_, _, body) = fetch(&s, "/docs/swagger-initializer.js").await;
    let js = String::from_utf8(body).unwrap();
    assert!(js.contains("\"/openapi.json\""), "{js}");
    assert!(js.contains("\"validatorUrl\": \"none\""), "{js}");
    assert!(js.contains("\"layout\": \"BaseLayout\""), "{js}");
    assert!(!js.contains("petstore"), "{js}");
    // Only the files the page loads: the rest of Swagger UI's distribution is not served.
    for path in [
        "/docs/index.html",
        "/docs/swagger-ui-bundle.js.map",
        "/docs/oauth2-redirect.html",
        "/docs/nope.js",
    ] {
        let (status, headers, _) = fetch(&s, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            header(&headers, "content-security-policy"),
            API_CSP,
            "{path}"
        );
    }
}

#[tokio::test]
async fn docs_page_is_not_in_the_api_document_and_the_api_keeps_its_csp() {
    let s = start().await;
    let doc = s.get(ANON, "/openapi.json").await.expect(200).clone();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| !p.starts_with("/docs")), "{paths:?}");
    for path in ["/openapi.json", "/healthz", "/api/v1/tickets/", "/nowhere"] {
        let (_, headers, _) = fetch(&s, path).await;
        assert_eq!(
            header(&headers, "content-security-policy"),
            API_CSP,
            "{path}"
        );
    }
}
