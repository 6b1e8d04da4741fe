//! One permission: an action on a resource pattern, under an optional condition. Mapping,
//! the usage set, synthesis, denials, refine and the loop all speak this one shape.
//!
//! Generic over the action because this layer cannot see the catalog: the trail path
//! uses `Permission<catalog::ActionId>`; text that names an action not yet checked may
//! use `Permission<String>`.
//!
//! [`PermissionRef`] borrows its resource and condition value and hashes and compares as
//! the [`Permission`] it stands for, so a hash map keyed by permissions is looked up
//! without allocating ([`hashbrown::Equivalent`]).

use std::fmt::Display;
use std::hash::{Hash, Hasher};

use hashbrown::Equivalent;

use super::policy::Operator;
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// A condition on a permission (today: `iam:PassedToService` on `iam:PassRole`).
///
/// Serializes as a policy writes it: `{"StringEquals":{"iam:PassedToService":"…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Condition {
    /// Operator (`StringEquals`).
    pub op: Operator,
    /// Key (`iam:PassedToService`).
    pub key: &'static str,
    /// Value.
    pub value: String,
}

impl Condition {
    /// A borrowed view.
    pub fn as_ref(&self) -> ConditionRef<'_> {
        ConditionRef {
            op: self.op,
            key: self.key,
            value: &self.value,
        }
    }
}

// Hashed through its borrowed view, so the two always agree.
impl Hash for Condition {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_ref().hash(state);
    }
}

/// The policy's JSON condition block: `{"StringEquals":{"iam:PassedToService":"…"}}`.
impl Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_ref().serialize(s)
    }
}

/// A [`Condition`] that borrows its value. Hashes and compares as the `Condition` it
/// stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConditionRef<'a> {
    /// Operator.
    pub op: Operator,
    /// Key.
    pub key: &'static str,
    /// Value.
    pub value: &'a str,
}

impl ConditionRef<'_> {
    /// An owned copy.
    pub fn to_condition(self) -> Condition {
        Condition {
            op: self.op,
            key: self.key,
            value: self.value.to_owned(),
        }
    }
}

impl Serialize for ConditionRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// `{key: value}`, the operator's block.
        struct Block<'a>(&'a str, &'a str);
        impl Serialize for Block<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(self.0, self.1)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(&self.op.to_string(), &Block(self.key, self.value))?;
        m.end()
    }
}

/// One permission: `action` on `resource` (a policy-ready pattern: names escaped, `*`
/// where anything goes), when `condition` holds.
///
/// Ordered by action, then resource, then condition (absent first). Serializes as
/// `{"action":…,"resource":…[,"condition":{op:{key:value}}]}`, the action by its
/// `Display` form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission<A> {
    /// The action.
    pub action: A,
    /// Policy-ready resource pattern.
    pub resource: String,
    /// Condition, if any.
    pub condition: Option<Box<Condition>>,
}

impl<A> Permission<A> {
    /// A permission without a condition.
    pub fn new(action: A, resource: impl Into<String>) -> Self {
        Permission {
            action,
            resource: resource.into(),
            condition: None,
        }
    }

    /// The same resource and condition with the action turned into another form
    /// (`ActionId` → `String`, or a checked action from text).
    pub fn map_action<B>(self, f: impl FnOnce(A) -> B) -> Permission<B> {
        Permission {
            action: f(self.action),
            resource: self.resource,
            condition: self.condition,
        }
    }

    /// A borrowed view with the action borrowed too (for actions that are not `Copy`).
    pub fn as_view(&self) -> PermissionRef<'_, &A> {
        PermissionRef {
            action: &self.action,
            resource: &self.resource,
            condition: self.condition.as_deref().map(Condition::as_ref),
        }
    }
}

impl<A: Copy> Permission<A> {
    /// A borrowed view.
    pub fn as_ref(&self) -> PermissionRef<'_, A> {
        PermissionRef {
            action: self.action,
            resource: &self.resource,
            condition: self.condition.as_deref().map(Condition::as_ref),
        }
    }
}

// Hashed field by field exactly as `PermissionRef`'s derived hash, so a borrowed view
// finds the entry its owned form made (`str` and `String` hash alike).
impl<A: Hash> Hash for Permission<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.action.hash(state);
        self.resource.as_str().hash(state);
        self.condition.as_deref().map(Condition::as_ref).hash(state);
    }
}

impl<A: Display> Serialize for Permission<A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_view().serialize(s)
    }
}

/// A [`Permission`] that borrows its resource and condition value: what mapping hands
/// out per record. Hashes and compares as the `Permission` it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PermissionRef<'a, A> {
    /// The action.
    pub action: A,
    /// Policy-ready resource pattern.
    pub resource: &'a str,
    /// Condition, if any.
    pub condition: Option<ConditionRef<'a>>,
}

impl<'a, A> PermissionRef<'a, A> {
    /// A permission without a condition.
    pub fn new(action: A, resource: &'a str) -> Self {
        PermissionRef {
            action,
            resource,
            condition: None,
        }
    }
}

impl<A: Clone> PermissionRef<'_, A> {
    /// An owned copy.
    pub fn to_permission(&self) -> Permission<A> {
        Permission {
            action: self.action.clone(),
            resource: self.resource.to_owned(),
            condition: self.condition.map(|c| Box::new(c.to_condition())),
        }
    }
}

impl<A: PartialEq> Equivalent<Permission<A>> for PermissionRef<'_, A> {
    fn equivalent(&self, p: &Permission<A>) -> bool {
        self.action == p.action
            && self.resource == p.resource
            && self.condition == p.condition.as_deref().map(Condition::as_ref)
    }
}

impl<A: Display> Serialize for PermissionRef<'_, A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = 2 + usize::from(self.condition.is_some());
        let mut st = s.serialize_struct("Permission", n)?;
        st.serialize_field("action", &Shown(&self.action))?;
        st.serialize_field("resource", self.resource)?;
        if let Some(c) = &self.condition {
            st.serialize_field("condition", c)?;
        }
        st.end()
    }
}

/// Serializes a value by its `Display` form.
struct Shown<'a, A>(&'a A);

impl<A: Display> Serialize for Shown<'_, A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;

    use super::*;

    fn pass(value: &str, resource: &str) -> Permission<&'static str> {
        Permission {
            action: "iam:PassRole",
            resource: resource.into(),
            condition: Some(Box::new(Condition {
                op: Operator::STRING_EQUALS,
                key: "iam:PassedToService",
                value: value.into(),
            })),
        }
    }

    /// A borrowed view hashes and compares as its owned form (under any hasher), and
    /// differs from it in any part.
    #[test]
    fn borrowed_view_hashes_and_compares_as_owned() {
        let states = [RandomState::new(), RandomState::new()];
        let perms = [
            pass("lambda.amazonaws.com", "arn:aws:iam::1:role/r"),
            pass("ecs-tasks.amazonaws.com", "arn:aws:iam::1:role/r"),
            pass("lambda.amazonaws.com", "arn:aws:iam::1:role/s"),
            Permission::new("iam:PassRole", "arn:aws:iam::1:role/r"),
            Permission::new("iam:GetRole", "arn:aws:iam::1:role/r"),
        ];
        for (i, p) in perms.iter().enumerate() {
            let r = p.as_ref();
            for st in &states {
                assert_eq!(st.hash_one(p), st.hash_one(r), "{p:?}");
            }
            assert_eq!(r.to_permission(), *p);
            for (j, q) in perms.iter().enumerate() {
                assert_eq!(r.equivalent(q), i == j, "{p:?} vs {q:?}");
                assert_eq!(r.cmp(&q.as_ref()), p.cmp(q));
            }
        }
        // A map keyed by owned permissions finds a view built from other allocations.
        let mut map: hashbrown::HashMap<Permission<&str>, usize> = hashbrown::HashMap::new();
        map.insert(perms[0].clone(), 7);
        let (value, resource) = (
            String::from("lambda.amazonaws.com"),
            String::from("arn:aws:iam::1:role/r"),
        );
        let view = PermissionRef {
            action: "iam:PassRole",
            resource: &resource,
            condition: Some(ConditionRef {
                op: Operator::STRING_EQUALS,
                key: "iam:PassedToService",
                value: &value,
            }),
        };
        assert_eq!(map.get(&view), Some(&7));
        assert_eq!(map.get(&perms[1].as_ref()), None);
    }

    #[test]
    fn serializes_as_policy_fields() {
        let p = pass("lambda.amazonaws.com", "arn:aws:iam::1:role/r");
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"action":"iam:PassRole","resource":"arn:aws:iam::1:role/r","condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}"#
        );
        assert_eq!(
            p.condition.as_ref().unwrap().to_string(),
            r#"{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}"#
        );
        let text = p.clone().map_action(String::from);
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            serde_json::to_string(&p).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&Permission::new(String::from("s3:GetObject"), "*")).unwrap(),
            r#"{"action":"s3:GetObject","resource":"*"}"#
        );
    }

    #[test]
    fn orders_by_action_resource_condition() {
        let mut v = [
            pass("b", "r"),
            Permission::new("iam:PassRole", "r"),
            pass("a", "r"),
            Permission::new("iam:GetRole", "z"),
        ];
        v.sort();
        let keys: Vec<_> = v
            .iter()
            .map(|p| (p.action, p.condition.as_ref().map(|c| c.value.as_str())))
            .collect();
        assert_eq!(
            keys,
            [
                ("iam:GetRole", None),
                ("iam:PassRole", None),
                ("iam:PassRole", Some("a")),
                ("iam:PassRole", Some("b"))
            ]
        );
    }
}
