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

#[wasm_bindgen_test]
fn the_key_ignores_header_order_and_follows_the_connection() {
    let mut options = Options::new("app-key");
    options.hosts = vec!["127.0.0.1:6001".into()];
    let a = sharing_text(&options, &auth(&[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]));
    let b = sharing_text(&options, &auth(&[("X-App", "erp"), ("X-Tenant", "7"), ("Accept", "json")], &[("A", "1"), ("B", "2")]));
    assert_eq!(a, b, "the same headers listed in another order");
    let other_value = sharing_text(&options, &auth(&[("X-Tenant", "8"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]));
    assert_ne!(a, other_value, "another tenant header");
    let moved = sharing_text(&options, &auth(&[("X-Tenant", "7"), ("Accept", "json")], &[("B", "2"), ("A", "1"), ("X-App", "erp")]));
    assert_ne!(a, moved, "a header moved from channel auth to user auth");
    let mut other_token = auth(&[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]);
    other_token.bearer_token = Some("token-user-2".into());
    assert_ne!(a, sharing_text(&options, &other_token), "another bearer token");
    let mut other_endpoint = auth(&[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]);
    other_endpoint.endpoint = "/api/broadcasting/auth".into();
    assert_ne!(a, sharing_text(&options, &other_endpoint), "another auth endpoint");
    let mut other_user_endpoint = auth(&[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]);
    other_user_endpoint.user_endpoint = "/api/broadcasting/user-auth".into();
    assert_ne!(a, sharing_text(&options, &other_user_endpoint), "another user-auth endpoint");
    let mut other_server = options.clone();
    other_server.hosts = vec!["127.0.0.1:6002".into()];
    let same_auth = auth(&[("X-Tenant", "7"), ("Accept", "json"), ("X-App", "erp")], &[("B", "2"), ("A", "1")]);
    assert_eq!(a, sharing_text(&options, &same_auth), "the same options and auth");
    assert_ne!(a, sharing_text(&other_server, &same_auth), "another server port");
    let mut other_key = options.clone();
    other_key.key = "other-key".into();
    assert_ne!(a, sharing_text(&other_key, &same_auth), "another app key");
}
