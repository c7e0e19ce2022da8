export { SalesforceClient, translateError, retryReason, parseCsvRows, type ClientOptions, type SaveResult, type ObjectInfo, type FieldInfo } from './client.js';
export { connectSalesforce, readCredentials, DEFAULT_API_VERSION, type Credentials } from './connect.js';
export { soqlString, soqlName, chunkInQueries, encodedLength, DEFAULT_CHUNK_LIMITS, type ChunkLimits } from './soql.js';
export { RateLimiter, takeSlot } from './rate-limiter.js';
