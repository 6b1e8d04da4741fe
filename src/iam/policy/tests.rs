use super::*;

#[test]
fn parses_both_forms_and_writes_canonically() {
    let doc: Document = serde_json::from_str(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"],"Condition":{"Bool":{"aws:SecureTransport":true}}}}"#,
    )
    .unwrap();
    assert_eq!(doc.statements.len(), 1);
    let bool_op = Operator::from(OperatorBase::Bool);
    assert_eq!(
        doc.statements[0].condition.as_ref().unwrap()[&bool_op]["aws:SecureTransport"].0,
        ["true"]
    );
    assert_eq!(
        doc.to_compact(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#
    );
    assert_eq!(doc.iam_size(), doc.to_compact().len());
    assert!(
        serde_json::from_str::<Document>(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}"#
        )
        .is_err()
    );
}

#[test]
fn round_trips_principals_and_operators_in_order() {
    let text = r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Deny","Principal":{"Service":["a.amazonaws.com","b.amazonaws.com"],"AWS":"arn:aws:iam::1:root"},"NotAction":"s3:*","NotResource":["r"],"Condition":{"StringLike":{"k":"v*"},"ForAllValues:StringEqualsIfExists":{"b":["1","2"],"a":"x"},"NumericLessThan":{"n":5}}},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let doc = Document::from_text(text).unwrap();
    assert_eq!(
        doc.to_compact(),
        r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:root","Service":["a.amazonaws.com","b.amazonaws.com"]},"NotAction":"s3:*","NotResource":"r","Condition":{"ForAllValues:StringEqualsIfExists":{"a":"x","b":["1","2"]},"NumericLessThan":{"n":"5"},"StringLike":{"k":"v*"}}},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#
    );
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(Document::from_json(&v).unwrap(), doc);
    let back = Document::from_text(&doc.to_pretty()).unwrap();
    assert_eq!(back, doc);
    let ops: Vec<String> = doc.statements[0]
        .condition
        .as_ref()
        .unwrap()
        .keys()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        ops,
        [
            "ForAllValues:StringEqualsIfExists",
            "NumericLessThan",
            "StringLike"
        ]
    );
}

#[test]
fn malformed_documents_name_the_element_and_the_fix() {
    let check = |text: &str| {
        Document::from_json(&serde_json::from_str(text).unwrap())
            .unwrap_err()
            .to_string()
    };
    let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    assert!(Document::from_json(&serde_json::from_str(ok).unwrap()).is_ok());
    for (text, want) in [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"a","Resource":"*"}]}"#,
            r#"Statement[0].Effect: is "Alow": must be "Allow" or "Deny" (did you mean "Allow"?)"#,
        ),
        (r#"{"Version":"2012-10-17"}"#, "has no Statement"),
        (r#"[]"#, "is a list: a policy document is an object"),
        (r#"{"Statement":[]}"#, "has no Version"),
        (
            r#"{"Version":"2012-10-17","Statement":"x"}"#,
            "Statement: is \"x\": must be a list",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#,
            "Statement.Action: is the number 5: must be a string or a list of strings",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a",{}],"Resource":"*"}]}"#,
            "Statement[0].Action[1]: is an object: must be a string",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
            "has no Action",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"a","Resource":"*"}]}"#,
            r#"Statement[0].Actions: is not a statement element (did you mean "Action"?)"#,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{"Bool":"x"}}]}"#,
            "Statement[0].Condition.Bool: is \"x\"",
        ),
        (
            r#"{"Version":"2012-10-18","Statement":[]}"#,
            "Version: is \"2012-10-18\"",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","NotAction":"b","Resource":"*"}]}"#,
            "Statement[0]: has both Action and NotAction: keep one",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Action":"a","Resource":"*"}]}"#,
            "Statement[0]: has no Effect",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","Resource":"*"},{"Effect":"Deny","Action":"a","Resource":"*","Condition":{"StringEqulas":{"k":"v"}}}]}"#,
            r#"Statement[1].Condition.StringEqulas: is not a condition operator (did you mean "StringEquals"?)"#,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a","Resource":"*","Condition":{"NumericLessThan":{"k":["1","ten"]}}}]}"#,
            r#"Statement[0].Condition.NumericLessThan."k": "ten" is not a number"#,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"tomorrow"}}}]}"#,
            "is not a date",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}"#,
            "is not an IP address or CIDR range",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"flase"}}}]}"#,
            r#""flase" must be "true" or "false""#,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Aws":"x"},"Action":"a","Resource":"*"}]}"#,
            r#"Statement[0].Principal.Aws: is not a principal type (did you mean "AWS"?)"#,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"me","Action":"a","Resource":"*"}]}"#,
            r#"Statement[0].Principal: is "me": must be "*" or an object"#,
        ),
    ] {
        let e = check(text);
        assert!(e.contains(want), "{text}: {e}");
        assert!(!e.contains("line "), "{e}");
    }
}

#[test]
fn errors_from_text_give_line_and_column() {
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"a\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"a\", \"Resource\": \"*\",\n     \"Condition\": {\"StringEqulas\": {\"k\": \"v\"}}}\n  ]\n}";
    let e = Document::from_text(text).unwrap_err();
    assert_eq!(e.path, "Statement[1].Condition.StringEqulas");
    assert_eq!(
        e.at,
        Some(Position {
            line: 6,
            column: 36
        })
    );
    assert!(e.to_string().ends_with("(line 6, column 36)"), "{e}");
    let e = Document::from_text("{\"Version\": \"2012-10-17\",\n \"Statement\": [}").unwrap_err();
    assert_eq!(e.path, "the document");
    assert!(e.problem.starts_with("is not valid JSON"), "{e}");
    assert_eq!(
        e.at,
        Some(Position {
            line: 2,
            column: 16
        })
    );
    let e = Document::from_text("{\"Version\": \"2012-10-17\",\n \"Statement\": {\"Effect\": \"Allow\", \"Resource\": \"*\"}}").unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.at),
        (
            "Statement",
            Some(Position {
                line: 2,
                column: 15
            })
        )
    );
}

#[test]
fn lists_of_documents_and_lenient_reading() {
    let one =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let two = format!("[{one},\n{one}]");
    assert_eq!(
        Document::list_from_text_as(&two, DocumentKind::Identity)
            .unwrap()
            .len(),
        2
    );
    assert!(
        Document::list_from_text_as("[]", DocumentKind::Identity)
            .unwrap()
            .is_empty()
    );
    let bad = format!(
        "[{one},\n{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Alow\",\"Action\":\"*\",\"Resource\":\"*\"}}]}}]"
    );
    let e = Document::list_from_text_as(&bad, DocumentKind::Identity).unwrap_err();
    assert_eq!(e.path, "[1].Statement[0].Effect");
    assert_eq!(e.at.map(|p| p.line), Some(2));
    let meta = r#"{"Version":"2012-10-17","Description":"x","Statement":{"Effect":"Allow","Principal":"arn:aws:iam::111111111111:root","Action":"s3:*","Owner":"y"}}"#;
    assert!(Document::list_from_text_as(meta, DocumentKind::Resource).is_err());
    let (docs, relaxed) = Document::list_from_text_lenient(meta, DocumentKind::Resource).unwrap();
    assert_eq!(relaxed.len(), 3);
    let p = docs[0].statements[0].principal.as_ref().unwrap();
    assert_eq!(
        serde_json::to_string(p).unwrap(),
        r#"{"AWS":"arn:aws:iam::111111111111:root"}"#
    );
    // An unknown operator is still an error.
    let op = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqulas":{"a":"b"}}}]}"#;
    assert!(Document::list_from_text_lenient(op, DocumentKind::Identity).is_err());
}
