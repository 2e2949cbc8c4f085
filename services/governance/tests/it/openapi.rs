//! The committed OpenAPI document is the one the service serves.

use utoipa::OpenApi;

#[test]
fn the_committed_openapi_document_is_current() {
    let doc = eip_governance::ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document serialises");
    eip_test_support::assert_committed(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")),
        &format!("{doc}\n"),
    );
}
