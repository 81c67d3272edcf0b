-- Free-form JSON within bounds (issue 12): the rows written before the API bounded it.
--
-- The API now refuses, at validation, free-form JSON nested more than 8 levels deep, larger
-- than its byte limit, or holding a number outside ±(2^53 - 1)
-- (layers/core/python/outreachpass/models/bounded_json.py). Before that, such a value was
-- stored and then broke every read of the tenant's list (pydantic stops serializing at ~250
-- levels; Python refuses integers of 4,300+ digits). This repairs what is stored, the same
-- way the readers clip it (models.bounded_json.clip): a container nested deeper than the
-- limit and a number out of range become null; everything else is kept as it was.
--
-- The columns the admin API accepts as free-form JSON: events.settings_json,
-- brands.theme_json and features_json, cards.links_json, attendees.flags_json,
-- feature_flags.value. Not the audit log (a record of what was sent is not rewritten; its
-- readers clip), nor the columns our own code writes (jobs, message contexts, analytics).
--
-- A cheap test on the text picks the rows that may need it (more brackets than the depth
-- limit, or a run of 16+ digits); only those are rebuilt. The rebuild descends at most
-- p_max_depth levels: a subtree below the limit is dropped, never walked.

CREATE FUNCTION app_json_clip(p_value jsonb, p_max_depth integer, p_depth integer DEFAULT 1) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    CASE jsonb_typeof(p_value)
    WHEN 'object' THEN
        IF p_depth > p_max_depth THEN
            RETURN 'null'::jsonb;
        END IF;
        SELECT coalesce(jsonb_object_agg(e.key, app_json_clip(e.value, p_max_depth, p_depth + 1)), '{}'::jsonb)
          INTO result FROM jsonb_each(p_value) AS e;
        RETURN result;
    WHEN 'array' THEN
        IF p_depth > p_max_depth THEN
            RETURN 'null'::jsonb;
        END IF;
        SELECT coalesce(jsonb_agg(app_json_clip(e.value, p_max_depth, p_depth + 1) ORDER BY e.ordinality), '[]'::jsonb)
          INTO result FROM jsonb_array_elements(p_value) WITH ORDINALITY AS e;
        RETURN result;
    WHEN 'number' THEN
        IF abs(p_value::numeric) > 9007199254740991 THEN
            RETURN 'null'::jsonb;
        END IF;
        RETURN p_value;
    ELSE
        RETURN p_value;
    END CASE;
END
$$;
COMMENT ON FUNCTION app_json_clip(jsonb, integer, integer) IS
    'A jsonb value within the API''s bounds: containers deeper than p_max_depth and numbers outside ±(2^53-1) become null.';
REVOKE EXECUTE ON FUNCTION app_json_clip(jsonb, integer, integer) FROM outreachpass_app;

-- Whether a stored value may exceed the bounds (a superset: app_json_clip decides).
CREATE FUNCTION app_json_may_exceed(p_value jsonb, p_max_depth integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$
    SELECT p_value IS NOT NULL AND (
        length(p_value::text) - length(translate(p_value::text, '{[', '')) > p_max_depth
        OR p_value::text ~ '[0-9]{16}')
$$;
REVOKE EXECUTE ON FUNCTION app_json_may_exceed(jsonb, integer) FROM outreachpass_app;

UPDATE events SET settings_json = app_json_clip(settings_json, 8)
 WHERE app_json_may_exceed(settings_json, 8) AND settings_json IS DISTINCT FROM app_json_clip(settings_json, 8);
UPDATE brands SET theme_json = app_json_clip(theme_json, 8)
 WHERE app_json_may_exceed(theme_json, 8) AND theme_json IS DISTINCT FROM app_json_clip(theme_json, 8);
UPDATE brands SET features_json = app_json_clip(features_json, 8)
 WHERE app_json_may_exceed(features_json, 8) AND features_json IS DISTINCT FROM app_json_clip(features_json, 8);
UPDATE cards SET links_json = app_json_clip(links_json, 8)
 WHERE app_json_may_exceed(links_json, 8) AND links_json IS DISTINCT FROM app_json_clip(links_json, 8);
UPDATE attendees SET flags_json = app_json_clip(flags_json, 8)
 WHERE app_json_may_exceed(flags_json, 8) AND flags_json IS DISTINCT FROM app_json_clip(flags_json, 8);
UPDATE feature_flags SET value = app_json_clip(value, 8)
 WHERE app_json_may_exceed(value, 8) AND value IS DISTINCT FROM app_json_clip(value, 8);
