//! Where sessions live: in memory for the embedded mode, in Redis for the
//! distributed mode (so any portal replica can serve any user).

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tower_sessions::MemoryStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone, Debug)]
pub enum PortalSessions {
    Memory(MemoryStore),
    Redis(RedisSessions),
}

#[derive(Clone)]
pub struct RedisSessions {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessions")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSessions {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, id: &Id) -> String {
        format!("{}session:{id}", self.prefix)
    }

    pub async fn ping(&self) -> bool {
        let mut c = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .is_ok()
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for RedisSessions {
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let json = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let ttl = (record.expiry_date.unix_timestamp() - chrono::Utc::now().timestamp()).max(1);
        let mut c = self.conn.clone();
        let _: () = c
            .set_ex(self.key(&record.id), json, ttl as u64)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut c = self.conn.clone();
        let json: Option<String> = c.get(self.key(id)).await.map_err(backend)?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut c = self.conn.clone();
        let _: () = c.del(self.key(id)).await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for PortalSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            PortalSessions::Memory(s) => s.create(record).await,
            PortalSessions::Redis(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            PortalSessions::Memory(s) => s.save(record).await,
            PortalSessions::Redis(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            PortalSessions::Memory(s) => s.load(id).await,
            PortalSessions::Redis(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            PortalSessions::Memory(s) => s.delete(id).await,
            PortalSessions::Redis(s) => s.delete(id).await,
        }
    }
}
