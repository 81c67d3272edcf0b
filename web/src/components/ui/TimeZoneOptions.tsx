import { memo } from "react";
import { timeZones, withZone } from "../../lib/time";

/** The <option>s of a time zone picker (~400): made once per list, not on every render. */
export const TimeZoneOptions = memo(function TimeZoneOptions({ include }: { include?: string | null }) {
  return (
    <>
      {withZone(timeZones(), include).map((zone) => (
        <option key={zone} value={zone}>
          {zone.replace(/_/g, " ")}
        </option>
      ))}
    </>
  );
});
