import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { SelectField, TextField } from "../../components/ui/Field";
import { PageHeader } from "../../components/ui/Page";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { BrandEditor } from "./BrandEditor";
import { useBrands, useSaveBrand } from "./queries";

export default function BrandsPage() {
  const brands = useBrands();
  const [chosen, setChosen] = useState<string>("");
  const [creating, setCreating] = useState(false);
  const list = brands.data ?? [];
  const brand = list.find((b) => b.brand_id === chosen) ?? list[0];
  return (
    <>
      <PageHeader
        title="Brands"
        description="The colours and logo of cards, wallet passes and e-mails. Each event uses one brand."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New brand
          </Button>
        }
      />
      {brands.isPending ? (
        <Loading />
      ) : brands.isError ? (
        <ErrorState error={brands.error} retry={() => void brands.refetch()} />
      ) : !brand ? (
        <EmptyState title="No brands yet" action={<Button variant="primary" onClick={() => setCreating(true)}>Create a brand</Button>}>
          A brand gives your cards their colours and logo.
        </EmptyState>
      ) : (
        <>
          {list.length > 1 && (
            <div className="toolbar">
              <SelectField label="Brand" value={brand.brand_id} onChange={(e) => setChosen(e.target.value)}>
                {list.map((b) => (
                  <option key={b.brand_id} value={b.brand_id}>
                    {b.display_name || b.brand_key} ({b.brand_key})
                  </option>
                ))}
              </SelectField>
            </div>
          )}
          <BrandEditor key={brand.brand_id + brand.updated_at} brand={brand} />
        </>
      )}
      <Dialog open={creating} title="New brand" onClose={() => setCreating(false)}>
        {creating && (
          <NewBrandForm
            onDone={(id) => {
              setCreating(false);
              setChosen(id);
            }}
            onCancel={() => setCreating(false)}
          />
        )}
      </Dialog>
    </>
  );
}

function NewBrandForm({ onDone, onCancel }: { onDone: (id: string) => void; onCancel: () => void }) {
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useSaveBrand();
  const { notify } = useToast();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!/^[A-Z0-9_]{2,40}$/.test(key)) found.brand_key = "2 to 40 capital letters, numbers or underscores, e.g. SPRING_EXPO.";
    if (!name.trim()) found.display_name = "Give the brand a name.";
    setErrors(found);
    if (Object.keys(found).length) return;
    save.mutate(
      { body: { brand_key: key, display_name: name.trim() } },
      {
        onSuccess: (brand) => {
          notify(`Brand “${brand.display_name}” created`);
          onDone(brand.brand_id);
        },
        onError: (error) => error instanceof ApiError && setErrors(error.fieldErrors()),
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <TextField label="Key" required value={key} error={errors.brand_key} hint="Capital letters, numbers and underscores; it never changes." onChange={(e) => setKey(e.target.value.toUpperCase())} />
      <TextField label="Display name" required value={name} error={errors.display_name} onChange={(e) => setName(e.target.value)} />
      <InlineError error={save.error && !Object.keys(errors).length ? save.error : null} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={save.isPending}>
          Create brand
        </Button>
      </div>
    </form>
  );
}
