import type { Database } from 'better-sqlite3';
import { AuditRepository } from './audit-repo.js';
import { CameraStatesRepository } from './camera-states-repo.js';
import { CamerasRepository } from './cameras-repo.js';
import { DirectoryRepository } from './directory-repo.js';
import { EdgesRepository } from './edges-repo.js';
import { EventsRepository } from './events-repo.js';
import { EvidenceRepository } from './evidence-repo.js';
import { NoticesRepository } from './notices-repo.js';
import { OrgsRepository } from './orgs-repo.js';
import { RefreshTokensRepository } from './refresh-tokens-repo.js';
import { SitesRepository } from './sites-repo.js';
import { UsersRepository } from './users-repo.js';
import { WorkflowRepository } from './workflow-repo.js';

/**
 * Every repository over one database, plus the unit of work that spans them. Storage code outside
 * `db/` goes through this, so another store can replace SQLite behind the same methods.
 */
export interface Repositories {
  readonly edges: EdgesRepository;
  readonly cameras: CamerasRepository;
  readonly cameraStates: CameraStatesRepository;
  readonly users: UsersRepository;
  readonly evidence: EvidenceRepository;
  readonly events: EventsRepository;
  readonly orgs: OrgsRepository;
  readonly sites: SitesRepository;
  readonly directory: DirectoryRepository;
  readonly refreshTokens: RefreshTokensRepository;
  readonly audit: AuditRepository;
  readonly workflow: WorkflowRepository;
  readonly notices: NoticesRepository;
  /** Runs `fn` in one transaction (nested calls become savepoints); commits when it returns. */
  transaction<T>(fn: () => T): T;
}

/** Prepares every statement once for this database. */
export function createRepositories(db: Database): Repositories {
  return {
    edges: new EdgesRepository(db),
    cameras: new CamerasRepository(db),
    cameraStates: new CameraStatesRepository(db),
    users: new UsersRepository(db),
    evidence: new EvidenceRepository(db),
    events: new EventsRepository(db),
    orgs: new OrgsRepository(db),
    sites: new SitesRepository(db),
    directory: new DirectoryRepository(db),
    refreshTokens: new RefreshTokensRepository(db),
    audit: new AuditRepository(db),
    workflow: new WorkflowRepository(db),
    notices: new NoticesRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}
