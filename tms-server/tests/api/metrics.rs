//! Prometheus metrics (`--metrics-bind`): scraped over HTTP from the metrics listener and
//! parsed; requests are counted under their route's pattern, timed in a histogram, and open
//! event streams, database work and (SQLite) the writer's batches are shown.

use std::collections::BTreeMap;

use crate::helpers::*;

/// One sample of the text format: its name, labels and value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Every sample of a scrape; panics on any line that is not a comment, blank or a sample.
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect(line);
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect(line);
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").expect(line);
                        (k.to_string(), v.trim_end_matches('"').to_string())
                    })
                    .collect();
                (name.to_string(), labels)
            }
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        out.push((name, labels, value));
    }
    out
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
        .reduce(f64::max)
}

#[tokio::test]
async fn requests_streams_and_database_work_are_scraped_and_parsed() {
    let handle = tms_server::metrics::install().unwrap();
    let s = start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    tokio::spawn(tms_server::metrics::serve(
        listener,
        handle,
        std::future::pending(),
    ));

    for _ in 0..3 {
        s.get(s.agent.t(), "/api/v1/tickets/").await.expect(200);
    }
    s.get(s.agent.t(), "/api/v1/tickets/999999")
        .await
        .expect(404);
    let stream = s
        .request(reqwest::Method::GET, s.agent.t(), "/api/v1/events")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let scrape = reqwest::get(format!("http://{at}/metrics")).await.unwrap();
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = scrape.text().await.unwrap();
    let samples = parse(&text);
    let ok = [
        ("method", "GET"),
        ("route", "/api/v1/tickets"),
        ("status", "200"),
    ];
    assert!(
        value(&samples, "tms_http_requests_total", &ok).unwrap() >= 3.0,
        "{text}"
    );
    let missing = [("route", "/api/v1/tickets/{id}"), ("status", "404")];
    assert!(value(&samples, "tms_http_requests_total", &missing).unwrap() >= 1.0);
    assert!(text.contains("# TYPE tms_http_request_duration_seconds histogram"));
    let all = [("route", "/api/v1/tickets"), ("le", "+Inf")];
    assert!(value(&samples, "tms_http_request_duration_seconds_bucket", &all).unwrap() >= 3.0);
    assert!(value(&samples, "tms_event_streams", &[]).unwrap() >= 1.0);
    assert!(value(&samples, "tms_db_in_flight", &[("kind", "read")]).is_some());
    if postgres_cluster().is_none() {
        assert!(value(&samples, "tms_writer_batch_size_count", &[]).unwrap() >= 1.0);
        assert!(value(&samples, "tms_writer_queue_depth", &[]).is_some());
    }
    drop(stream);
}
