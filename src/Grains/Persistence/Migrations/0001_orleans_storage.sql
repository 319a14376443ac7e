-- Tables and queries that Orleans' ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet)
-- needs on PostgreSQL. The package ships no SQL; this follows its documented contract:
-- a table OrleansQuery with the four queries the provider loads by key, the OrleansStorage
-- table, and the write function. State is stored as UTF-8 JSON in payloadbinary
-- (System.Text.Json storage serializer): convert_from(payloadbinary, 'UTF8') shows it.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL PRIMARY KEY,
    querytext varchar(8000) NOT NULL
);

CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer       NOT NULL,
    grainidn0              bigint        NOT NULL,
    grainidn1              bigint        NOT NULL,
    graintypehash          integer       NOT NULL,
    graintypestring        varchar(512)  NOT NULL,
    grainidextensionstring varchar(512),
    serviceid              varchar(150)  NOT NULL,
    payloadbinary          bytea,
    modifiedon             timestamptz   NOT NULL,
    version                integer
);

CREATE INDEX IF NOT EXISTS ix_orleansstorage ON orleansstorage USING btree (grainidhash, graintypehash);

-- Optimistic concurrency: an update succeeds only against the version the grain read;
-- a first write inserts only if no row exists. Returning the unchanged version tells the
-- provider the write lost (InconsistentStateException).
CREATE OR REPLACE FUNCTION lc_orleans_write_state(
    _grainidhash integer, _grainidn0 bigint, _grainidn1 bigint, _graintypehash integer,
    _graintypestring varchar, _grainidextensionstring varchar, _serviceid varchar,
    _grainstateversion integer, _payloadbinary bytea)
    RETURNS TABLE (newgrainstateversion integer)
    LANGUAGE plpgsql
AS $body$
DECLARE
    affected integer := 0;
BEGIN
    IF _grainstateversion IS NOT NULL THEN
        UPDATE orleansstorage s
           SET payloadbinary = _payloadbinary,
               modifiedon = now(),
               version = s.version + 1
         WHERE s.grainidhash = _grainidhash
           AND s.graintypehash = _graintypehash
           AND s.grainidn0 = _grainidn0
           AND s.grainidn1 = _grainidn1
           AND s.graintypestring = _graintypestring
           AND s.grainidextensionstring IS NOT DISTINCT FROM _grainidextensionstring
           AND s.serviceid = _serviceid
           AND s.version = _grainstateversion;
        GET DIAGNOSTICS affected = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN affected > 0 THEN _grainstateversion + 1 ELSE _grainstateversion END;
        RETURN;
    END IF;

    -- First write of this grain: serialize concurrent first writers on the grain's hash.
    PERFORM pg_advisory_xact_lock(_grainidhash, _graintypehash);
    INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
    SELECT _grainidhash, _grainidn0, _grainidn1, _graintypehash, _graintypestring,
           _grainidextensionstring, _serviceid, _payloadbinary, now(), 1
     WHERE NOT EXISTS (
        SELECT 1 FROM orleansstorage s
         WHERE s.grainidhash = _grainidhash
           AND s.graintypehash = _graintypehash
           AND s.grainidn0 = _grainidn0
           AND s.grainidn1 = _grainidn1
           AND s.graintypestring = _graintypestring
           AND s.grainidextensionstring IS NOT DISTINCT FROM _grainidextensionstring
           AND s.serviceid = _serviceid);
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN QUERY SELECT CASE WHEN affected > 0 THEN 1 ELSE NULL::integer END;
END
$body$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey',
 'SELECT newgrainstateversion AS NewGrainStateVersion FROM lc_orleans_write_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)'),
('ReadFromStorageKey',
 'SELECT payloadbinary AS PayloadBinary, now() AS ModifiedOn, version AS Version
    FROM orleansstorage
   WHERE grainidhash = @GrainIdHash
     AND graintypehash = @GrainTypeHash
     AND grainidn0 = @GrainIdN0
     AND grainidn1 = @GrainIdN1
     AND graintypestring = @GrainTypeString
     AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
     AND serviceid = @ServiceId'),
('ClearStorageKey',
 'UPDATE orleansstorage
     SET payloadbinary = NULL, modifiedon = now(), version = version + 1
   WHERE grainidhash = @GrainIdHash
     AND graintypehash = @GrainTypeHash
     AND grainidn0 = @GrainIdN0
     AND grainidn1 = @GrainIdN1
     AND graintypestring = @GrainTypeString
     AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
     AND serviceid = @ServiceId
     AND version = @GrainStateVersion
  RETURNING version AS NewGrainStateVersion'),
('DeleteStorageKey',
 'DELETE FROM orleansstorage
   WHERE grainidhash = @GrainIdHash
     AND graintypehash = @GrainTypeHash
     AND grainidn0 = @GrainIdN0
     AND grainidn1 = @GrainIdN1
     AND graintypestring = @GrainTypeString
     AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
     AND serviceid = @ServiceId
     AND version = @GrainStateVersion
  RETURNING version + 1 AS NewGrainStateVersion')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
