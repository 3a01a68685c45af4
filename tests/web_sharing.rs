//! Browser tests of the sharing key's text (`src/web/sharing.rs`): tabs share one connection
//! only when their keys are equal, so the text must not depend on the order an app lists its
//! headers in, and must change with the server, the auth endpoints, the headers and the
//! bearer token.
#![cfg(target_arch = "wasm32")]

use echo_wasm::options::Options;
use echo_wasm::web::auth::AuthConfig;
use echo_wasm::web::sharing::sharing_text;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn auth(headers: &[(&str, &str)], user_headers: &[(&str, &str)]) -> AuthConfig {
    AuthConfig {
        endpoint: "/broadcasting/auth".into(),
        user_endpoint: "/broadcasting/user-auth".into(),
        headers: pairs(headers),
        user_headers: pairs(user_headers),
        bearer_token: Some("token-user-1".into()),
        ..AuthConfig::default()
    }
}

/// The configuration every case starts from: three channel-auth headers, two user-auth ones.
const HEADERS: &[(&str, &str)] = &[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")];
const USER_HEADERS: &[(&str, &str)] = &[("B", "2"), ("A", "1")];

#[wasm_bindgen_test]
fn the_key_ignores_header_order_and_follows_the_connection() {
    let mut options = Options::new("app-key");
    options.hosts = vec!["127.0.0.1:6001".into()];
    let base = auth(HEADERS, USER_HEADERS);
    let a = sharing_text(&options, &base);
    assert_eq!(a, sharing_text(&options, &auth(HEADERS, USER_HEADERS)), "the same options and auth");
    let b = sharing_text(&options, &auth(&[("X-App", "erp"), ("X-Tenant", "7"), ("Accept", "json")], &[("A", "1"), ("B", "2")]));
    assert_eq!(a, b, "the same headers listed in another order");
    let other_value = sharing_text(&options, &auth(&[("X-Tenant", "8"), ("Accept", "json"), ("X-App", "erp")], USER_HEADERS));
    assert_ne!(a, other_value, "another tenant header");
    let moved = sharing_text(&options, &auth(&[("X-Tenant", "7"), ("Accept", "json")], &[("B", "2"), ("A", "1"), ("X-App", "erp")]));
    assert_ne!(a, moved, "a header moved from channel auth to user auth");

    let changed = |change: fn(&mut AuthConfig)| {
        let mut config = base.clone();
        change(&mut config);
        sharing_text(&options, &config)
    };
    assert_ne!(a, changed(|c| c.bearer_token = Some("token-user-2".into())), "another bearer token");
    assert_ne!(a, changed(|c| c.endpoint = "/api/broadcasting/auth".into()), "another auth endpoint");
    assert_ne!(a, changed(|c| c.user_endpoint = "/api/broadcasting/user-auth".into()), "another user-auth endpoint");

    let mut other_server = options.clone();
    other_server.hosts = vec!["127.0.0.1:6002".into()];
    assert_ne!(a, sharing_text(&other_server, &base), "another server port");
    let mut other_key = options.clone();
    other_key.key = "other-key".into();
    assert_ne!(a, sharing_text(&other_key, &base), "another app key");
}
